/** The driver contract against real podman (rootful, with the containers.conf set-up writes). */
import { describeDriverContract } from "./driver-contract.js";

describeDriverContract("podman");
