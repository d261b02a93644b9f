#!/usr/bin/env node
// The `rap` command: runs the TypeScript entry point through tsx's loader (no build step).
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
