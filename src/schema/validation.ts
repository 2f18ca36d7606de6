import { isEmail, validate, type ValidationError } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import { config } from '../config';
import { badInput, AppError, ErrorCode, type Problem } from './errors';

export const EMAIL_MAX_LENGTH = 254;

/** Emails are stored trimmed and lower-cased, so `Ann@X.com ` and `ann@x.com` are one lead. */
export function normalizeEmail(raw: string, field: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > EMAIL_MAX_LENGTH) {
    throw badInput(field, `${field} must be at most ${EMAIL_MAX_LENGTH} characters`);
  }
  if (!isEmail(email, { allow_display_name: false, require_tld: true, allow_ip_domain: false })) {
    throw badInput(field, `${field} is not a valid email address`);
  }
  return email;
}

const ATTRIBUTE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_ATTRIBUTES = 100;
const MAX_ATTRIBUTE_STRING = 2000;

/**
 * Custom attributes are a flat object of scalars, so rules can name them as facts and no
 * client can smuggle in deep or huge documents. Keys are identifiers (no `__proto__`).
 */
export function validateAttributes(value: Record<string, unknown>, field: string): Record<string, unknown> {
  const problems: Problem[] = [];
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES) {
    throw badInput(field, `${field} may hold at most ${MAX_ATTRIBUTES} attributes`);
  }
  for (const [key, item] of entries) {
    const path = `${field}.${key}`;
    if (!ATTRIBUTE_KEY.test(key)) {
      problems.push({
        path,
        code: 'INVALID_KEY',
        message: 'keys are letters, digits and _, start with a letter, at most 64 characters',
      });
    } else if (item !== null && typeof item === 'object') {
      problems.push({ path, code: 'NOT_SCALAR', message: 'attribute values are strings, numbers, booleans or null' });
    } else if (typeof item === 'string' && item.length > MAX_ATTRIBUTE_STRING) {
      problems.push({ path, code: 'TOO_LONG', message: `at most ${MAX_ATTRIBUTE_STRING} characters` });
    } else if (typeof item === 'number' && !Number.isFinite(item)) {
      problems.push({ path, code: 'NOT_FINITE', message: 'numbers must be finite' });
    }
  }
  const first = problems[0];
  if (first) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${first.path}: ${first.message}`, { field: first.path, problems });
  }
  // A fresh object without a prototype chain to pollute.
  return Object.fromEntries(entries);
}

/**
 * Timestamps from clients must be real dates within a sane window: not before 1990, and not more
 * than ACTIVITY_FUTURE_TOLERANCE_MINUTES (clock skew) ahead of the server. The past is open: reps
 * log calls after the fact (an SLA counts a late-logged one at its recordedAt).
 */
export function validateOccurredAt(value: Date, field: string): Date {
  const time = value.getTime();
  if (Number.isNaN(time)) throw badInput(field, `${field} is not a valid date`);
  const tolerance = config.activityFutureToleranceMinutes;
  if (time > Date.now() + tolerance * 60_000) {
    throw badInput(field, `${field} is more than ${tolerance} minutes in the future`);
  }
  if (time < Date.UTC(1990, 0, 1)) throw badInput(field, `${field} is before 1990`);
  return value;
}

function problemsOf(errors: ValidationError[], prefix: string): Problem[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([code, message]) => ({ path, code, message }));
    return own.concat(problemsOf(error.children ?? [], path));
  });
}

/** `input` for an input object argument, none for an `@Args` class whose fields are the arguments. */
function argumentName(value: object): string {
  return value.constructor.name.endsWith('Input') ? 'input' : '';
}

const OPTIONS = { skipMissingProperties: true, forbidUnknownValues: false } as const;

/**
 * type-graphql's validation hook: runs class-validator and reports every problem with its path
 * (`input.email`, `filter.search`, `inputs[3].leadId`) as one BAD_USER_INPUT. A value of an array
 * argument is named with its index, which type-graphql's own validation loses.
 */
export const validateArgument: ValidatorFn = async (argument) => {
  const value: unknown = argument;
  if (value === null || typeof value !== 'object') return;
  const items: Array<[object, string]> = [];
  if (Array.isArray(value)) {
    (value as unknown[]).forEach((item, index) => {
      if (item !== null && typeof item === 'object') items.push([item, `${argumentName(item)}s[${index}]`]);
    });
  } else {
    items.push([value, argumentName(value)]);
  }
  const problems: Problem[] = [];
  for (const [item, prefix] of items) problems.push(...problemsOf(await validate(item, OPTIONS), prefix));
  const first = problems[0];
  if (first)
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${first.path}: ${first.message}`, { field: first.path, problems });
};
