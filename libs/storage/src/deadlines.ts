/**
 * Deadlines on every HTTP request a storage client makes. A company runs its own endpoint, and
 * one that accepts a connection and then goes quiet must fail a read with a StorageError, not
 * hang a validation or a materialization until the job expires.
 *
 * They live in the client's transport (the `minio` package lets a client bring its own), so
 * every call of the client has them — object reads, listings, uploads, the XML bodies the
 * package reads itself — and an expired request is destroyed, its socket closed, instead of
 * being raced and left open.
 */
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { StorageError, StorageErrorCode } from './storage.errors';

/** How long a storage request may wait, in milliseconds. */
export interface StorageDeadlines {
  /**
   * Connecting, and then the first byte of the answer once the request is sent (each phase gets
   * the whole deadline).
   */
  firstByteMs: number;
  /**
   * Most time without a byte moving while the hub waits for one: between chunks of an answer
   * (time a slow reader spends on a chunk does not count) and while an upload is being sent.
   */
  stallMs: number;
}

/** Defaults: a company endpoint across the internet answers a GET within seconds. */
export const DEFAULT_STORAGE_DEADLINES: StorageDeadlines = { firstByteMs: 30_000, stallMs: 60_000 };

/** The `request` half of node:http / node:https, which is what a minio client calls. */
export type HttpTransport = Pick<typeof http, 'request'>;

/**
 * Wraps `transport` so that each request fails with STORAGE_TIMEOUT or STORAGE_STALLED past
 * its deadlines. `endpointName` goes into the error's sentence (e.g. `the storage endpoint of
 * company acme (https://s3.acme.kr)`); it must not carry credentials.
 */
export function deadlineTransport(
  transport: HttpTransport,
  deadlines: StorageDeadlines,
  endpointName: string,
): HttpTransport {
  const timeout = () =>
    new StorageError(
      StorageErrorCode.STORAGE_TIMEOUT,
      `${endpointName} did not answer within ${deadlines.firstByteMs} ms`,
    );
  const stalled = (what: string) =>
    new StorageError(
      StorageErrorCode.STORAGE_STALLED,
      `${endpointName} stopped ${what} for ${deadlines.stallMs} ms`,
    );

  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) => {
    const req = transport.request(options, callback);
    let timer: NodeJS.Timeout | undefined;
    let sent = false;
    const firstByte = () => {
      clearTimeout(timer);
      timer = setTimeout(() => req.destroy(timeout()), deadlines.firstByteMs);
    };
    const stopFirstByte = () => clearTimeout(timer);

    // Connecting (a fresh socket) counts against the first-byte deadline.
    firstByte();

    // While the request body is being written, the socket's idleness is the measure: a long
    // upload that keeps moving is fine, one the endpoint stops accepting is not.
    let uploading: Socket | undefined;
    const uploadIdle = () => req.destroy(stalled('accepting data'));
    const stopUpload = () => {
      if (!uploading) return;
      uploading.setTimeout(0);
      uploading.off('timeout', uploadIdle);
      uploading = undefined;
    };
    req.once('socket', (socket: Socket) => {
      const connected = () => {
        if (sent) return;
        stopFirstByte();
        uploading = socket;
        socket.setTimeout(deadlines.stallMs);
        socket.on('timeout', uploadIdle);
      };
      if (socket.connecting) socket.once('connect', connected);
      else connected();
    });
    req.once('finish', () => {
      sent = true;
      stopUpload();
      firstByte();
    });

    req.once('response', (res: http.IncomingMessage) => {
      stopFirstByte();
      stopUpload();
      watchBody(res, deadlines.stallMs, () => res.destroy(stalled('sending data')));
    });
    req.once('close', () => {
      stopFirstByte();
      stopUpload();
    });
    return req;
  };
  return { request } as HttpTransport;
}

/**
 * Calls `onStall` when no byte of `res` arrives for `stallMs` while the socket is reading. The
 * http client pauses the socket while the reader is behind (its buffer is full), and a paused
 * socket is not stalled; once the whole body has arrived, nothing can stall either.
 */
function watchBody(res: http.IncomingMessage, stallMs: number, onStall: () => void): void {
  const socket = res.socket;
  if (!socket) return;
  // Restored at the end: the agent keeps a free keep-alive socket alive by the socket timeout.
  const before = socket.timeout ?? 0;
  const onTimeout = () => {
    if (socket.isPaused() || res.complete) return;
    onStall();
  };
  // A fresh window each time the reader lets the socket flow again.
  const onResume = () => socket.setTimeout(stallMs);
  socket.setTimeout(stallMs);
  socket.on('timeout', onTimeout);
  socket.on('resume', onResume);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    socket.off('timeout', onTimeout);
    socket.off('resume', onResume);
    // Unless the agent has already set its own for the now free socket.
    if (socket.timeout === stallMs) socket.setTimeout(before);
  };
  res.once('end', finish);
  res.once('close', finish);
}
