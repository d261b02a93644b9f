/**
 * The chaos run's TCP proxy (test/support/tcp-proxy.ts) against a real echo server on loopback: it
 * forwards both ways, a cut closes every connection, a refusal closes new ones, and a stall holds
 * bytes without closing anything until it ends.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";
import { waitFor } from "../../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(): Promise<{ port: number; received: () => string }> {
  let received = "";
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString();
      socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, received: () => received };
}

interface Client {
  socket: net.Socket;
  echoed: () => string;
  closed: () => boolean;
}

async function connect(proxy: TcpProxy): Promise<Client> {
  const socket = net.connect({ host: "127.0.0.1", port: proxy.port });
  let echoed = "";
  let closed = false;
  socket.on("data", (chunk: Buffer) => (echoed += chunk.toString()));
  socket.on("error", () => undefined);
  socket.on("close", () => (closed = true));
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, echoed: () => echoed, closed: () => closed };
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy(port);
  cleanups.push(() => proxy.close());
  return proxy;
}

describe("tcp proxy", () => {
  it("forwards both ways, and a cut closes every connection", async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const [a, b] = [await connect(proxy), await connect(proxy)];
    a.socket.write("hello");
    await waitFor(() => a.echoed() === "hello", { message: "the echo" });
    await waitFor(() => proxy.connections() === 2, { message: "both connections" });
    expect(proxy.cut()).toBe(2);
    await waitFor(() => a.closed() && b.closed(), { message: "both clients to see the cut" });
    expect(proxy.connections()).toBe(0);
  });

  it("closes new connections while refusing, and forwards again after", async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    proxy.refuse(true);
    const refused = await connect(proxy);
    await waitFor(() => refused.closed(), { message: "the refused connection to close" });
    expect(echo.received()).toBe("");
    proxy.refuse(false);
    const client = await connect(proxy);
    client.socket.write("again");
    await waitFor(() => client.echoed() === "again", { message: "the echo after the refusal" });
  });

  it("holds bytes during a stall without closing, then forwards them in order", async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const client = await connect(proxy);
    client.socket.write("1");
    await waitFor(() => client.echoed() === "1", { message: "the first echo" });
    proxy.stall(true);
    client.socket.write("2");
    client.socket.write("3");
    await waitFor(() => proxy.held() === 2, { message: "the proxy to hold both bytes" });
    expect([echo.received(), client.echoed(), client.closed(), proxy.connections()]).toEqual(["1", "1", false, 1]);
    proxy.stall(false);
    await waitFor(() => client.echoed() === "123", { message: "the held bytes to pass" });
    expect([echo.received(), proxy.held()]).toEqual(["123", 0]);
  });
});
