/** The agent's registry settings: DOCKER_PROXY becomes an image-map entry, as upstream's replace. */
import { describe, expect, it } from "vitest";
import { agentConfigFrom } from "../../../agent/config.js";
import { mapImage } from "../../../runtime-drivers/image-map.js";

const BASE = {
  BACKEND: "tpp",
  CONTROLLER_URL: "http://127.0.0.1:1",
  AGENT_TOKEN: "t",
  AGENT_WORKDIR: "/tmp/rap-agent-proxy-test",
};

describe("registry proxy configuration", () => {
  it("rewrites the registry prefix to the proxy's, from the environment", () => {
    const config = agentConfigFrom({ ...BASE, DOCKER_PROXY: "docker-proxy.opensafely.org/opensafely-core" }, {});
    expect(config.driver.imageMap).toEqual({ "ghcr.io/opensafely-core/": "docker-proxy.opensafely.org/opensafely-core/" });
    expect(mapImage("ghcr.io/opensafely-core/python:v2", config.driver.imageMap)).toBe(
      "docker-proxy.opensafely.org/opensafely-core/python:v2",
    );
    expect(config.driver.pullTimeoutMs).toBe(1_200_000);
  });

  it("reads the YAML keys, and an explicit image_map entry for the registry wins", () => {
    const config = agentConfigFrom(BASE, {
      driver: {
        docker_registry: "registry.example.org/os/",
        docker_proxy: "proxy.example.org/os/",
        image_pull_timeout: 60,
        image_map: { "registry.example.org/os/python:v2": "mirror/python:v2" },
      },
    });
    expect(config.driver.imageMap).toEqual({
      "registry.example.org/os/python:v2": "mirror/python:v2",
      "registry.example.org/os/": "proxy.example.org/os/",
    });
    expect(mapImage("registry.example.org/os/python:v2", config.driver.imageMap)).toBe("mirror/python:v2");
    expect(mapImage("registry.example.org/os/r:v2", config.driver.imageMap)).toBe("proxy.example.org/os/r:v2");
    expect(config.driver.pullTimeoutMs).toBe(60_000);
    const explicit = agentConfigFrom(
      { ...BASE, DOCKER_PROXY: "proxy.example.org/os" },
      { driver: { image_map: { "ghcr.io/opensafely-core/": "local/" } } },
    );
    expect(explicit.driver.imageMap).toEqual({ "ghcr.io/opensafely-core/": "local/" });
  });

  it("has no proxy entry when none is configured", () => {
    expect(agentConfigFrom(BASE, {}).driver.imageMap).toEqual({});
  });

  it("refuses a pull timeout that is not a whole number of seconds", () => {
    expect(() => agentConfigFrom({ ...BASE, IMAGE_PULL_TIMEOUT: "ten" }, {})).toThrow(
      "IMAGE_PULL_TIMEOUT must be a whole number of seconds, got 'ten'",
    );
  });
});
