/**
 * Wraps an executor so every operation is counted and timed by driver and operation, failures are
 * counted as errors (an operation stopped by its abort signal is not a failure), and each call can
 * be wrapped further (the tracing spans). The driver itself is unchanged and knows nothing of it.
 */
import { performance } from "node:perf_hooks";
import type { Executor } from "../../runtime-drivers/index.js";

export type OperationObserver = (operation: string, seconds: number, failed: boolean) => void;
/** Runs one executor call, e.g. inside a span; `jobId` is the job it is about, if any. */
export type OperationWrapper = <T>(operation: string, jobId: string | undefined, run: () => Promise<T>) => Promise<T>;

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

function jobIdOf(first: unknown): string | undefined {
  const id = first !== null && typeof first === "object" ? (first as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

export function instrumentExecutor(executor: Executor, observe: OperationObserver, wrap?: OperationWrapper): Executor {
  return new Proxy(executor, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const started = performance.now();
        const run = () => method.apply(target, args);
        try {
          const result = await (wrap ? wrap(property, jobIdOf(args[0]), run) : run());
          observe(property, (performance.now() - started) / 1000, false);
          return result;
        } catch (error) {
          observe(property, (performance.now() - started) / 1000, !isAbort(error));
          throw error;
        }
      };
    },
  });
}
