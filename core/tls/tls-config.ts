/** `tls:` of a listener, as in the config: PEM file paths. */
export interface ListenerTls {
  cert_file: string;
  key_file: string;
  /** When set, clients must present a certificate signed by this CA (mutual TLS). */
  client_ca_file?: string;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}
