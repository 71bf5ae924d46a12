/** pino JSON logger. Secrets never reach the log: known secret fields are redacted wherever they appear. */
import { pino, type Logger as PinoLogger } from 'pino';

/**
 * The server's logger: pino's `Logger` (same type parameters), as {@link createLogger} makes it.
 * Callers pass it to {@link createKyso} and {@link startServer} to share one log stream.
 */
export type Logger<
  CustomLevels extends string = never,
  UseOnlyCustomLevels extends boolean = boolean,
> = PinoLogger<CustomLevels, UseOnlyCustomLevels>;

/**
 * Field names whose values are censored (`[redacted]`) in every log line: at the top level, one
 * and two objects deep, and among the request headers. Secrets (PIN, OTP, SAD, client secrets,
 * tokens, API keys, the KEK, private keys, the otpauth URI that carries a TOTP seed) must only ever
 * be logged under one of these names, or not at all.
 */
export const REDACTED_FIELDS = [
  'pin',
  'PIN',
  'otp',
  'OTP',
  'SAD',
  'sad',
  'authData',
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'access_token',
  'token',
  'apiKey',
  'authorization',
  'kek',
  'privateKey',
  'otpauthUri',
];

/**
 * A pino JSON logger with ISO timestamps, `service: "kyso-signing-server"` on every line and
 * {@link REDACTED_FIELDS} censored.
 *
 * @param level - pino level (default 'info'; see Config.logLevel).
 * @param destination - where lines go (default stdout); tests pass a stream to read them back.
 */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `req.headers.${f}`]);
  return pino(
    {
      level,
      base: { service: 'kyso-signing-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
    },
    destination,
  );
}
