/** The one interface every supervisor backend implements. @module */
import type { ServiceSpec } from "./spec.js";

export type BackendKind = "systemd-user" | "systemd-system" | "launchd" | "schtasks" | "detached";

export type RuntimeState =
  | "running"
  | "stopped"
  | "loaded"
  | "exited"
  | "failed"
  | "restarting"
  | "not installed"
  | "unknown";

export interface ServiceStatus {
  readonly installed: boolean;
  readonly runtime: RuntimeState;
  readonly pid?: number | undefined;
  readonly lastExitCode?: number | undefined;
  readonly restarts?: number | undefined;
  readonly since?: string | undefined;
  /** Backend-specific words, e.g. `sub running` or `state waiting`. */
  readonly detail?: string | undefined;
  /** Whether it starts at boot or logon. */
  readonly enabled?: boolean | undefined;
}

export interface InstalledDefinition {
  readonly text: string;
  readonly execStart: string[];
  readonly environment: Record<string, string>;
}

export interface ServiceBackend {
  readonly kind: BackendKind;
  /** Unit name, launchd label, task name. */
  readonly label: string;
  /** The file that defines the service. */
  readonly definitionPath: string;
  /** Where its output goes, for people. */
  readonly logsHint: string;
  render(spec: ServiceSpec): string;
  readInstalled(): Promise<InstalledDefinition | undefined>;
  /** Writes the definition, registers and enables it (does not start it). */
  install(spec: ServiceSpec): Promise<void>;
  uninstall(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  status(): Promise<ServiceStatus>;
}
