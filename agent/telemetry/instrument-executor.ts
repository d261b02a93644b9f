/**
 * Wraps an executor so every operation is counted and timed by driver and operation, and failures
 * are counted as errors (an operation stopped by its abort signal is not a failure). The driver
 * itself is unchanged and knows nothing of it.
 */
import { performance } from "node:perf_hooks";
import type { Executor } from "../../runtime-drivers/index.js";

export type OperationObserver = (operation: string, seconds: number, failed: boolean) => void;

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

export function instrumentExecutor(executor: Executor, observe: OperationObserver): Executor {
  return new Proxy(executor, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = (failed: boolean) => observe(property, (performance.now() - started) / 1000, failed);
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          done(!isAbort(error));
          throw error;
        }
        if (!(result instanceof Promise)) {
          done(false);
          return result;
        }
        return result.then(
          (resolved: unknown) => {
            done(false);
            return resolved;
          },
          (error: unknown) => {
            done(!isAbort(error));
            throw error;
          },
        );
      };
    },
  });
}
