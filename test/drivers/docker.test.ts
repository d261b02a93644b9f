/** The driver contract against the real docker engine. */
import { describeDriverContract } from "./driver-contract.js";

describeDriverContract("docker");
