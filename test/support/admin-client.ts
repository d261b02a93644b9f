/** A Connect client for AdminService with the test admin token, and job polling through it. */
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService, type AdminJob, type GetJobResponse } from "../../gen/admin/v1/admin_pb.js";
import { ADMIN_TOKEN } from "./controller-harness.js";
import { waitFor } from "./wait-for.js";

export type AdminClient = Client<typeof AdminService>;

/** Call options carrying the admin token. */
export const AS_ADMIN = { headers: { authorization: ADMIN_TOKEN } } as const;

export function adminClient(url: string): AdminClient {
  return createClient(AdminService, createGrpcTransport({ baseUrl: url, acceptCompression: [] }));
}

/** Polls GetJob until `predicate` holds for the job and its tasks; returns that answer. */
export function waitForJob(
  admin: AdminClient,
  id: string,
  predicate: (job: AdminJob, tasks: GetJobResponse["tasks"]) => boolean,
  message: string,
  timeoutMs = 60_000,
): Promise<GetJobResponse> {
  return waitFor(
    async () => {
      const response = await admin.getJob({ id }, AS_ADMIN);
      return response.job && predicate(response.job, response.tasks) ? response : undefined;
    },
    { timeoutMs, message },
  );
}
