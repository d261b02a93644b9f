/**
 * Certificates made with the openssl CLI for TLS tests: a CA, the controller's server certificate
 * (for 127.0.0.1 and localhost), and client certificates naming a backend in their CN.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";

export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: CertPair;
  /** A server certificate for 127.0.0.1/localhost signed by `ca`. */
  server(name?: string): Promise<CertPair>;
  /** A client certificate with subject CN=`cn`, signed by `signer` (default: the CA). */
  client(cn: string, signer?: CertPair, name?: string): Promise<CertPair>;
  /** Another self-signed CA, for certificates the controller must not trust. */
  otherCa(name: string): Promise<CertPair>;
  dispose(): void;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execa("openssl", args, { cwd, stdin: "ignore" });
}

async function selfSignedCa(dir: string, name: string): Promise<CertPair> {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  await openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"].concat([
      "-subj",
      `/CN=${name}`,
      "-keyout",
      pair.key,
      "-out",
      pair.cert,
    ]),
    dir,
  );
  return pair;
}

async function signed(dir: string, name: string, subject: string, extension: string, signer: CertPair): Promise<CertPair> {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  await openssl(
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", subject].concat([
      "-keyout",
      pair.key,
      "-out",
      csr,
    ]),
    dir,
  );
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, extension);
  await openssl(
    ["x509", "-req", "-in", csr, "-CA", signer.cert, "-CAkey", signer.key, "-CAcreateserial", "-days", "2"].concat([
      "-out",
      pair.cert,
      "-extfile",
      ext,
    ]),
    dir,
  );
  return pair;
}

export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(path.join(tmpdir(), "rap-pki-"));
  const ca = await selfSignedCa(dir, "ca");
  let count = 0;
  return {
    dir,
    ca,
    server: (name = `server-${++count}`) =>
      signed(dir, name, "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", ca),
    client: (cn, signer = ca, name = `client-${cn}-${++count}`) =>
      signed(dir, name, `/CN=${cn}`, "extendedKeyUsage=clientAuth\n", signer),
    otherCa: (name) => selfSignedCa(dir, name),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
