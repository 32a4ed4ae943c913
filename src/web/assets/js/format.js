// Dates as `Mon 2026-12-28`; hearing times in the hearing's own zone; enum values in words.

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/**
 * `2026-12-28` → `Mon 2026-12-28`.
 * @param {string | null | undefined} iso
 */
export function fmtDate(iso) {
  if (!iso) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return `${WEEKDAYS[d.getUTCDay()]} ${m[1]}-${m[2]}-${m[3]}`;
}

/**
 * An instant shown in a time zone: `Mon 2026-12-28 09:00 America/Denver`.
 * @param {string} instant RFC 3339
 * @param {string} timeZone IANA name
 * @param {string} [fallbackLocal] `YYYY-MM-DDTHH:MM` to show if the browser does not know the zone
 */
export function fmtInZone(instant, timeZone, fallbackLocal) {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(instant));
    /** @type {Record<string, string>} */
    const p = {};
    for (const part of parts) p[part.type] = part.value;
    const hour = p.hour === "24" ? "00" : p.hour;
    return `${p.weekday} ${p.year}-${p.month}-${p.day} ${hour}:${p.minute} ${timeZone}`;
  } catch {
    const local = fallbackLocal || instant;
    return `${fmtDate(local.slice(0, 10))} ${local.slice(11, 16)} ${timeZone}`;
  }
}

/** @param {{starts_at: string, time_zone: string, starts_at_local?: string}} hearing */
export function fmtHearingTime(hearing) {
  return fmtInZone(hearing.starts_at, hearing.time_zone, hearing.starts_at_local);
}

/** An instant in the browser's own zone. @param {string | null | undefined} instant */
export function fmtInstant(instant) {
  if (!instant) return "—";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  return fmtInZone(instant, zone);
}

/** Today's date in the browser's zone, `YYYY-MM-DD`. */
export function today() {
  return isoDate(new Date());
}

/** @param {Date} d a local date */
export function isoDate(d) {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, "0");
  const day = String(d.getDate()).padStart(2, "0");
  return `${y}-${m}-${day}`;
}

/** @param {number} days */
export function daysFromToday(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return isoDate(d);
}

/** @type {Record<string, string>} */
export const DEADLINE_KINDS = {
  one_year_filing: "One-year asylum filing deadline",
  ead_earliest_filing: "Earliest EAD application (I-765)",
  ead_earliest_grant: "Earliest EAD grant",
  bia_appeal: "BIA appeal (EOIR-26)",
  motion_to_reconsider: "Motion to reconsider",
  motion_to_reopen: "Motion to reopen",
  petition_for_review: "Petition for review",
  voluntary_departure: "Voluntary departure ends",
  ead_renewal_window: "EAD renewal window opens",
  pre_hearing_filing: "Pre-hearing filing",
  derivative_age_out: "I-589 before a derivative child turns 21",
  ice_check_in: "ICE check-in",
  bond_appeal: "BIA appeal of a bond decision",
  zadvydas_review: "Post-order custody review (six months in detention)",
  other: "Other deadline",
};

/** @param {{kind: string, title?: string | null}} d */
export function deadlineWords(d) {
  if (d.kind === "other" && d.title) return d.title;
  return DEADLINE_KINDS[d.kind] || d.kind;
}

/** @type {Record<string, string>} */
export const DEADLINE_STATUSES = {
  open: "Open",
  met: "Met",
  missed: "Missed",
  waived: "Waived",
  superseded: "Superseded",
};

/** @type {Record<string, string>} */
export const HEARING_MODES = { in_person: "In person", video: "By video", telephone: "By telephone" };

export const HEARING_KINDS = {
  master_calendar: "Master calendar hearing",
  individual: "Individual (merits) hearing",
  asylum_interview: "Asylum interview",
  biometrics: "Biometrics appointment",
  ice_check_in: "ICE check-in",
  other: "Other appointment",
};

/** @type {Record<string, string>} */
export const HEARING_OUTCOMES = {
  held: "Held",
  continued_by_applicant: "Continued at the applicant's request",
  continued_by_court: "Continued by the court",
  no_show: "No-show",
  cancelled: "Cancelled",
};

/** @type {Record<string, string>} */
export const FORMS = {
  "I-589": "I-589 (asylum application)",
  "I-765": "I-765 (work permit)",
  "EOIR-26": "EOIR-26 (BIA appeal)",
  motion_to_reopen: "Motion to reopen",
  motion_to_reconsider: "Motion to reconsider",
  petition_for_review: "Petition for review",
  other: "Other",
};

/** @type {Record<string, string>} */
export const DECISION_KINDS = {
  asylum_granted: "Asylum granted",
  withholding_granted: "Withholding of removal granted",
  cat_granted: "CAT protection granted",
  denied: "Denied",
  removal_ordered: "Removal ordered",
  voluntary_departure: "Voluntary departure granted",
  terminated: "Proceedings terminated",
  appeal_dismissed: "Appeal dismissed",
  remanded: "Remanded",
};

/** @type {Record<string, string>} */
export const AUTHORITIES = {
  immigration_judge: "Immigration judge",
  bia: "Board of Immigration Appeals",
  uscis: "USCIS",
};

/** @type {Record<string, string>} */
export const CASE_KINDS = {
  affirmative: "Affirmative (USCIS)",
  defensive: "Defensive (immigration court)",
};

/** @type {Record<string, string>} */
export const CASE_STATUSES = {
  intake: "Intake",
  filed: "Filed",
  in_proceedings: "In proceedings",
  interview_scheduled: "Interview scheduled",
  decided: "Decided",
  on_appeal: "On appeal",
  final_order: "Final order",
  closed: "Closed",
};

/** @type {Record<string, string>} */
/** Why a client is erased (a code: the audit log keeps it, and it must not name anyone). */
export const ERASURE_REASONS = {
  client_request: "The client asked",
  entered_in_error: "Entered in error",
  duplicate: "A duplicate of another client",
  retention_period_ended: "Our retention period ended",
  other: "Another reason",
};

export const CLOSED_REASONS = {
  granted: "Granted",
  removed: "Removed",
  transferred: "Transferred",
  withdrew: "Withdrew",
  lost_contact: "Lost contact",
  other: "Other",
};

/**
 * A case's status in words; a closed case's with its reason: `Closed (Removed)`.
 * @param {{status: string, closed_reason?: string | null}} c
 */
export function caseStatusWords(c) {
  const status = words(CASE_STATUSES, c.status);
  return c.status === "closed" && c.closed_reason ? `${status} (${words(CLOSED_REASONS, c.closed_reason)})` : status;
}
export const RELATIONSHIPS = { child: "Child", spouse: "Spouse" };

/** @type {Record<string, string>} */
export const ONE_YEAR_EXCEPTIONS = {
  changed_circumstances: "Changed circumstances (8 CFR 208.4(a)(4))",
  extraordinary_circumstances: "Extraordinary circumstances (8 CFR 208.4(a)(5))",
};

/** @type {Record<string, string>} */
export const ROLES = { admin: "Admin", lawyer: "Lawyer", caseworker: "Caseworker" };

/** @type {Record<string, string>} */
export const MANNERS = {
  without_inspection: "Without inspection",
  parole: "Parole",
  visa: "Visa",
  other: "Other",
};

/** @param {Record<string, string>} table @param {string | null | undefined} value */
export function words(table, value) {
  if (value === null || value === undefined || value === "") return "—";
  return table[value] || value;
}

/** @param {{given_name: string, family_name: string}} c */
export function fullName(c) {
  return `${c.given_name} ${c.family_name}`;
}

/** @type {Record<string, string>} */
export const RELEASE_BASES = {
  bond: "On bond",
  parole: "On parole",
  order_of_supervision: "Under an Order of Supervision",
  recognizance: "On own recognizance",
  other: "Other (say how in the note)",
};

/** @type {Record<string, string>} */
export const BOND_DECISIONS = { granted: "Bond granted", denied: "Bond denied", no_jurisdiction: "No jurisdiction over custody" };
