import { domainToASCII } from 'node:url';
import { isEmail, validate, type ValidationError } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import { config } from '../config';
import { badInput, AppError, ErrorCode, type Problem } from './errors';

export const EMAIL_MAX_LENGTH = 254;

/** Format characters (zero-width spaces and joiners, soft hyphens, BOMs, bidi marks): invisible. */
const FORMAT_CHARACTERS = /\p{Cf}/gu;
/** A UTF-16 surrogate that is not half of a pair: no valid text holds one, and PostgreSQL refuses it. */
export const LONE_SURROGATE = /\p{Cs}/u;

/** An address both as the client gave it and in the canonical form that identifies a lead. */
export interface Email {
  /** Unicode NFKC, format characters removed, domain in ASCII (punycode), lower-cased. */
  canonical: string;
  /** Trimmed, otherwise as given: what a person typed, for display. */
  given: string;
}

/**
 * Two addresses that look the same are one lead: `Ann@X.com `, `ann@x.com` with a zero-width
 * space, `ａｎｎ@x.com` in fullwidth letters, and `ann@bücher.de` / `ann@xn--bcher-kva.de` all
 * have one canonical form. The canonical form is unique; the given one is kept for display.
 */
export function canonicalEmail(raw: string, field: string): Email {
  const given = raw.trim();
  if (LONE_SURROGATE.test(raw)) throw badInput(field, `${field} holds a lone surrogate, which is not valid text`);
  if (given.length > EMAIL_MAX_LENGTH) {
    throw badInput(field, `${field} must be at most ${EMAIL_MAX_LENGTH} characters`);
  }
  const text = raw.normalize('NFKC').replace(FORMAT_CHARACTERS, '').trim().toLowerCase();
  const at = text.lastIndexOf('@');
  const domain = at > 0 ? domainToASCII(text.slice(at + 1)) : '';
  const canonical = `${text.slice(0, at)}@${domain}`;
  if (domain === '' || !isEmail(canonical, { allow_display_name: false, require_tld: true, allow_ip_domain: false })) {
    throw badInput(field, `${field} is not a valid email address`);
  }
  if (canonical.length > EMAIL_MAX_LENGTH) {
    throw badInput(field, `${field} must be at most ${EMAIL_MAX_LENGTH} characters in its ASCII form`);
  }
  return { canonical, given };
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
 * A lead's attributes after a change is merged in stay within the totals per lead, however many
 * updates add to them: each update alone may be valid, the sum is what is stored and scored.
 */
export function assertAttributeTotals(merged: Record<string, unknown>, field: string): void {
  const keys = Object.keys(merged).length;
  const bytes = Buffer.byteLength(JSON.stringify(merged));
  const { maxKeys, maxBytes } = config.leadAttributes;
  if (keys > maxKeys || bytes > maxBytes) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `${field}: a lead may hold at most ${maxKeys} attributes and ${maxBytes} bytes of them in total; with this change it would hold ${keys} attributes and ${bytes} bytes (remove some by setting them to null)`,
      { field, keys, bytes, maxKeys, maxBytes },
    );
  }
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
