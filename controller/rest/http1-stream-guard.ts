/**
 * The agent stream is a bidirectional gRPC stream, which needs HTTP/2. Over HTTP/1.1 the Connect
 * adapter answers 505 with an empty body; this guard answers first, in the API's error shape
 * (`{"error", "details"}`), so a misconfigured proxy or a curl shows why. The request body is read
 * to its end before the reply, so the client is never cut off mid-upload (ECONNRESET).
 */
import { sendJson, type NodeRequest, type NodeResponse } from "./http-io.js";

const HTTP2_ONLY_PREFIX = "/agent.v1.AgentService/";

export function refuseHttp1Streams(
  handler: (request: NodeRequest, response: NodeResponse) => void,
): (request: NodeRequest, response: NodeResponse) => void {
  return (request, response) => {
    if (request.httpVersionMajor !== 1 || !(request.url ?? "").startsWith(HTTP2_ONLY_PREFIX)) {
      handler(request, response);
      return;
    }
    const reply = () =>
      sendJson(response, 505, {
        error: "HTTP Version Not Supported",
        details: "The agent stream needs HTTP/2 (gRPC); this request came over HTTP/1.1",
      });
    request.once("end", reply);
    request.once("error", () => response.destroy());
    request.resume();
  };
}
