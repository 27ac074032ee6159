/**
 * Messages between the receivers sharing one database (SPEC §11). Only
 * PostgreSQL has them (`LISTEN`/`NOTIFY`); on SQLite there is one receiver
 * and `Db.notifications` is null.
 */
export interface Notifications {
  /** Sends `payload` to every listener on `channel`, in this process too. Delivered only once committed. */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Calls `onMessage` with each payload sent on `channel`. When the listening
   * connection was lost and made again, messages sent meanwhile are lost:
   * `onGap` is called then, so the listener can catch up by reading.
   */
  listen(channel: string, onMessage: (payload: string) => void, onGap: () => void): Promise<void>;
  close(): Promise<void>;
}

/** The most a NOTIFY payload may hold on PostgreSQL (its limit is 8000 bytes), with room to spare. */
export const MAX_NOTIFY_BYTES = 7900;
