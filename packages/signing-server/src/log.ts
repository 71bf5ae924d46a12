/** pino JSON logger. Secrets never reach the log: known secret fields are redacted wherever they appear. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names whose values are censored in every log line. */
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
