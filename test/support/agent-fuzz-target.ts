/**
 * The agent-stream fuzzer's view of a real in-process controller (test/fuzz/agent-stream-fuzz.ts):
 * its backend `test`, a live RUNJOB task made from a real study whenever none is active, and the
 * job table read straight from its database.
 */
import type { AgentFuzzTarget } from "../fuzz/agent-stream-fuzz.js";
import { AGENT_TOKEN, createBody, rest, type ControllerHarness } from "./controller-harness.js";
import { createStudyRepo, TWO_ACTION_STUDY } from "./study-repo.js";
import { waitFor } from "./wait-for.js";

export function agentFuzzTarget(controller: ControllerHarness): AgentFuzzTarget {
  const study = createStudyRepo(TWO_ACTION_STUDY);
  const { deps, sessions } = controller.app;
  let created = 0;
  const activeIds = () => deps.tasks.active("test").map((task) => task.id);
  return {
    url: controller.url,
    agentToken: AGENT_TOKEN,
    backend: "test",
    async activeTaskIds() {
      if (activeIds().length > 0) return activeIds();
      const rapId = `fuzz${String(++created).padStart(12, "0")}`;
      const response = await rest(
        controller,
        "POST",
        "/controller/v1/rap/create/",
        createBody({
          rap_id: rapId,
          workspace: rapId,
          repo_url: study.path,
          commit: study.commit,
          requested_actions: ["generate"],
        }),
      );
      if (response.status !== 201) throw new Error(`create failed: ${response.text}`);
      return waitFor(() => (activeIds().length > 0 ? activeIds() : undefined), { message: "a live task" });
    },
    jobStates: () =>
      deps.db
        .prepare<[], { id: string; state: string; statusCode: string }>("SELECT id, state, status_code AS statusCode FROM job")
        .all(),
    hasSession: () => sessions.get("test") !== undefined,
  };
}
