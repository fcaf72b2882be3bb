// The shapes the testbed hands to tests and prints with `--json`. The JSON keys
// use snake_case because the same object is written to the state file and read
// by shell scripts and other languages.

/** Where Hearth keeps its own database on a testbed server. */
export type HearthDb = { engine: 'sqlite' } | { engine: 'postgres'; url_prefix: string };

export type UpOptions = {
  /** Short names; each server is called `<short>.test`. Default: camp, hood, glen, far. */
  servers?: readonly string[];
  /** Short names of the servers that also run Hearth. Default: none. */
  hearth?: readonly string[];
  hearthDb?: HearthDb;
};

export type HearthInfo = {
  bot_user_id: string;
  admin_room_id: string;
  appservice_url: string;
  config_path: string;
  registration_path: string;
  log_path: string;
  /** Null while a test has stopped Hearth with stopHearth/killHearth. */
  pid: number | null;
};

export type ServerInfo = {
  /** The Matrix server name, e.g. camp.test. */
  name: string;
  /** The short name given on the command line, e.g. camp. */
  short: string;
  client_url: string;
  registration_shared_secret: string;
  /** Loopback address and port of the TLS federation listener. */
  federation_address: string;
  admin_user_id: string;
  admin_password: string;
  admin_access_token: string;
  synapse_pid: number;
  synapse_log: string;
  /** Synapse's config and data, on the host side of the chroot. */
  synapse_dir: string;
  hearth: HearthInfo | null;
};

export type TestbedInfo = {
  servers: ServerInfo[];
  state_dir: string;
  synapse_root: string;
  hearth_db: HearthDb;
  started_at: string;
};

export type TestbedStatus = {
  /** True when every recorded process is alive and answering. */
  up: boolean;
  problems: string[];
  info: TestbedInfo | null;
};

export type RegisteredUser = {
  user_id: string;
  access_token: string;
  device_id: string;
};
