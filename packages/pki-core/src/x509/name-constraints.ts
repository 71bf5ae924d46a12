/**
 * Name constraints at issuance. There is one implementation, path/name-constraints.ts, shared by
 * issuance (refuse to issue outside the issuer's constraints) and path validation, so that kyso
 * never issues a certificate its own validator would reject for its names, nor the reverse.
 */
export {
  nameConstraintViolation,
  nameConstraintsProblem,
  namesUnderConstraints,
} from '../path/name-constraints.js';
