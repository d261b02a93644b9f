/**
 * The driver contract against the kubernetes driver. No real cluster was available: the API
 * server is the in-repo fake (test/support/fake-kubernetes), whose pods run through real docker.
 */
import { kubernetesContractRuntime } from "../support/fake-kubernetes/kubernetes-runtime.js";
import { describeDriverContract } from "./driver-contract.js";

describeDriverContract(kubernetesContractRuntime());
