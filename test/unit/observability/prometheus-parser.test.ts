/** The test-support parser of the Prometheus text format: samples, labels, escapes, strictness. */
import { describe, expect, it } from "vitest";
import { parseExposition, series } from "../../support/prometheus.js";

describe("Prometheus text parser", () => {
  it("reads types, help and samples with escaped label values and special floats", () => {
    const parsed = parseExposition(
      [
        "# HELP rap_x_total Things.",
        "# TYPE rap_x_total counter",
        'rap_x_total{path="C:\\\\dir",msg="a \\"b\\"\\nc"} 3',
        "# TYPE rap_h histogram",
        'rap_h_bucket{le="+Inf",backend="test"} 2',
        'rap_h_count{backend="test"} 2',
        "rap_g NaN",
        "",
      ].join("\n"),
    );
    expect(parsed.types.get("rap_x_total")).toBe("counter");
    expect(parsed.help.get("rap_x_total")).toBe("Things.");
    expect(parsed.samples[0]).toEqual({ name: "rap_x_total", labels: { path: "C:\\dir", msg: 'a "b"\nc' }, value: 3 });
    expect(series(parsed, "rap_h_count")).toEqual({ "backend=test": 2 });
    expect(series(parsed, "rap_h_bucket")).toEqual({ "backend=test,le=+Inf": 2 });
    expect(parsed.samples.at(-1)?.value).toBeNaN();
  });

  it("refuses malformed lines and undeclared families", () => {
    expect(() => parseExposition('rap_x{a="1" 2')).toThrow("bad label separator");
    expect(() => parseExposition("rap_x two")).toThrow("bad sample value");
    expect(() => parseExposition("# TYPE rap_x countr")).toThrow("bad type countr for rap_x");
    expect(() => series(parseExposition("rap_y 1"), "rap_y")).toThrow("no metric family rap_y");
  });
});
