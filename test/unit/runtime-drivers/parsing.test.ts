import { describe, expect, it } from "vitest";
import { parseInspect, parseTimestampNs } from "../../../runtime-drivers/container-cli/inspect.js";
import { parseMemoryUsage, parseStats } from "../../../runtime-drivers/container-cli/stats.js";
import { foldSample } from "../../../runtime-drivers/job-metrics.js";

describe("container inspect parsing", () => {
  it("reads nanosecond timestamps, and Go's zero time as never", () => {
    expect(parseTimestampNs("2026-11-22T23:19:33.372109686Z")).toBe(1795389573372109686n);
    expect(parseTimestampNs("2026-11-22T23:19:33Z")).toBe(1795389573000000000n);
    expect(parseTimestampNs("2026-11-22T23:19:33.5+01:00")).toBe(1795385973500000000n);
    expect(parseTimestampNs("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(parseTimestampNs("garbage")).toBeUndefined();
  });

  it("reads docker's object and podman's array alike", () => {
    const state = {
      Status: "exited",
      Running: false,
      ExitCode: 137,
      OOMKilled: true,
      StartedAt: "2026-11-22T23:19:33Z",
      FinishedAt: "2026-11-22T23:19:34Z",
    };
    const raw = { State: state, HostConfig: { Memory: 67108864 }, Image: "sha256:abc", Config: { Labels: { action: "a" } } };
    const fromDocker = parseInspect(JSON.stringify(raw));
    const fromPodman = parseInspect(JSON.stringify([raw]));
    expect(fromDocker).toEqual(fromPodman);
    expect(fromDocker).toMatchObject({
      status: "exited",
      running: false,
      exitCode: 137,
      oomKilled: true,
      memoryLimitBytes: 67108864,
      imageId: "sha256:abc",
      labels: { action: "a" },
    });
    expect(fromDocker.finishedAtNs).toBe(1795389574000000000n);
  });
});

describe("stats parsing", () => {
  it("reads docker's JSON lines and podman's JSON array", () => {
    const docker =
      '{"CPUPerc":"12.50%","ID":"abc123","MemUsage":"876KiB / 23.54GiB","Name":"os-job-x"}\n{"CPUPerc":"0.00%","ID":"def","MemUsage":"1.5MiB / 1GiB","Name":"other"}';
    expect(parseStats(docker)).toEqual([
      { name: "os-job-x", containerId: "abc123", cpuPercent: 12.5, memoryBytes: 876 * 1024 },
      { name: "other", containerId: "def", cpuPercent: 0, memoryBytes: 1.5 * 1024 * 1024 },
    ]);
    const podman = '[{"id":"ed64","name":"os-job-y","cpu_percent":"80.04%","mem_usage":"790.5kB / 25.28GB"}]';
    expect(parseStats(podman)).toEqual([{ name: "os-job-y", containerId: "ed64", cpuPercent: 80.04, memoryBytes: 790500 }]);
    expect(parseStats("[]")).toEqual([]);
    expect(parseStats("")).toEqual([]);
  });

  it("converts every memory unit", () => {
    expect(parseMemoryUsage("2GiB / 4GiB")).toBe(2 * 1024 ** 3);
    expect(parseMemoryUsage("3MB / 1GB")).toBe(3_000_000);
    expect(parseMemoryUsage("12B / 1GB")).toBe(12);
    expect(parseMemoryUsage("n/a")).toBe(0);
  });
});

describe("job metrics", () => {
  const sample = (cpuPercent: number, memoryBytes: number, containerId = "c1") => ({ cpuPercent, memoryBytes, containerId });

  it("counts a container's first sample from its start, and each later one from the previous sample", () => {
    const first = foldSample(undefined, sample(50, 2 * 1048576), 2000, 0);
    expect(first.metrics).toEqual({
      cpu_sample: 50,
      cpu_cumsum: 100,
      cpu_mean: 50,
      cpu_peak: 50,
      mem_mb_sample: 2,
      mem_mb_cumsum: 4,
      mem_mb_mean: 2,
      mem_mb_peak: 2,
      container_id: "c1",
    });
    const second = foldSample(first, sample(10, 1048576), 4000, 0);
    expect(second.metrics).toEqual({
      cpu_sample: 10,
      cpu_cumsum: 120,
      cpu_mean: 30,
      cpu_peak: 50,
      mem_mb_sample: 1,
      mem_mb_cumsum: 6,
      mem_mb_mean: 1.5,
      mem_mb_peak: 2,
      container_id: "c1",
    });
  });

  it("starts again when the job's container changed (the job was restarted)", () => {
    const before = foldSample(undefined, sample(50, 1048576), 1000, 0);
    expect(foldSample(before, sample(5, 1048576, "c2"), 3000, 2000).metrics).toEqual({
      cpu_sample: 5,
      cpu_cumsum: 5,
      cpu_mean: 5,
      cpu_peak: 5,
      mem_mb_sample: 1,
      mem_mb_cumsum: 1,
      mem_mb_mean: 1,
      mem_mb_peak: 1,
      container_id: "c2",
    });
  });
});
