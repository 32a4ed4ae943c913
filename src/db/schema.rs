//! The tables, written by hand once for both backends (types common to PostgreSQL and SQLite).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        token_version -> BigInt,
        failed_logins -> Integer,
        failed_window_start -> Nullable<Timestamp>,
        locked_until -> Nullable<Timestamp>,
        time_zone -> Text,
        reminders_enabled -> Bool,
        reminder_digest -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        calendar_token_hash -> Nullable<Text>,
        mfa_enrolled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mfa_totp (user_id) {
        user_id -> Text,
        secret -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> BigInt,
    }
}

diesel::table! {
    mfa_recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mfa_challenges (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        attempts -> Integer,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        signed_in_at -> Timestamp,
        last_used_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        family_id -> Text,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        changes -> Text,
        reduced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        given_name -> Text,
        family_name -> Text,
        native_name -> Nullable<Text>,
        a_number -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        nationality -> Nullable<Text>,
        languages -> Text,
        interpreter_needed -> Bool,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
        last_arrival_on -> Date,
        arrival_place -> Nullable<Text>,
        manner_of_entry -> Nullable<Text>,
        search_key -> Text,
        created_by -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    client_name_tokens (token, client_id) {
        token -> Text,
        client_id -> Text,
    }
}

diesel::table! {
    case_counters (year) {
        year -> Integer,
        last -> Integer,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        client_id -> Text,
        kind -> Text,
        court_code -> Nullable<Text>,
        status -> Text,
        closed -> Bool,
        opened_on -> Date,
        closed_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closed_reason -> Nullable<Text>,
        closed_note -> Nullable<Text>,
        nta_issued_on -> Nullable<Date>,
        nta_served_on -> Nullable<Date>,
        nta_filed_on -> Nullable<Date>,
        nta_time_and_place -> Nullable<Bool>,
    }
}

diesel::table! {
    case_assignments (case_id, user_id) {
        case_id -> Text,
        user_id -> Text,
        role -> Text,
        assigned_by -> Nullable<Text>,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    filings (id) {
        id -> Text,
        case_id -> Text,
        form -> Text,
        filed_on -> Date,
        receipt_number -> Nullable<Text>,
        approved_on -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        status -> Text,
        status_on -> Nullable<Date>,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
        withdrawn_by -> Nullable<Text>,
        changed_country_conditions -> Bool,
    }
}

diesel::table! {
    clock_events (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
        withdrawn_by -> Nullable<Text>,
    }
}

diesel::table! {
    hearings (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        starts_at_local -> Text,
        time_zone -> Text,
        starts_at -> Timestamp,
        court_code -> Nullable<Text>,
        judge -> Nullable<Text>,
        location -> Nullable<Text>,
        outcome -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        office_code -> Nullable<Text>,
        mode -> Nullable<Text>,
        interpreter_language -> Nullable<Text>,
    }
}

diesel::table! {
    supervision_orders (id) {
        id -> Text,
        case_id -> Text,
        ordered_on -> Date,
        field_office_code -> Text,
        interval_days -> Integer,
        conditions -> Nullable<Text>,
        ended_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hearing_changes (id) {
        id -> Text,
        hearing_id -> Text,
        previous_starts_at_local -> Text,
        previous_time_zone -> Text,
        previous_starts_at -> Timestamp,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        authority -> Text,
        decided_on -> Date,
        voluntary_departure_days -> Nullable<Integer>,
        appeal_waived -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
        withdrawn_by -> Nullable<Text>,
    }
}

diesel::table! {
    family_members (id) {
        id -> Text,
        case_id -> Text,
        relationship -> Text,
        given_name -> Text,
        family_name -> Text,
        native_name -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        a_number -> Nullable<Text>,
        derivative -> Bool,
        in_united_states -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        removed_reason -> Nullable<Text>,
        removed_by -> Nullable<Text>,
    }
}

diesel::table! {
    one_year_exceptions (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        note -> Nullable<Text>,
        claimed_by -> Text,
        claimed_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
        withdrawn_by -> Nullable<Text>,
    }
}

diesel::table! {
    deadlines (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        source -> Text,
        trigger_key -> Text,
        title -> Nullable<Text>,
        due_on -> Date,
        alternative_due_on -> Nullable<Date>,
        alternative_reason -> Nullable<Text>,
        rule -> Text,
        explanation -> Text,
        met_on -> Nullable<Date>,
        manual_status -> Nullable<Text>,
        status_note -> Nullable<Text>,
        status_by -> Nullable<Text>,
        status_at -> Nullable<Timestamp>,
        resolution -> Nullable<Text>,
        never_missed -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        missed_alerted -> Bool,
        superseded_at -> Nullable<Timestamp>,
        superseded_reason -> Nullable<Text>,
    }
}

diesel::table! {
    closures (id) {
        id -> Text,
        day -> Date,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        kind -> Text,
        item_id -> Nullable<Text>,
        item_key -> Text,
        case_id -> Nullable<Text>,
        recipient_id -> Text,
        lead_days -> Integer,
        due_at -> Timestamp,
        state -> Text,
        digest -> Bool,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        message_id -> Text,
        last_error -> Nullable<Text>,
        payload -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notes (id) {
        id -> Text,
        client_id -> Text,
        case_id -> Nullable<Text>,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        case_id -> Text,
        title -> Text,
        details -> Nullable<Text>,
        assignee_id -> Text,
        due_on -> Date,
        status -> Text,
        done_at -> Nullable<Timestamp>,
        done_by -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    custody_periods (id) {
        id -> Text,
        case_id -> Text,
        detained_on -> Date,
        facility -> Nullable<Text>,
        released_on -> Nullable<Date>,
        release_basis -> Nullable<Text>,
        bond_amount_usd -> Nullable<Integer>,
        bond_hearing_on -> Nullable<Date>,
        bond_decided_on -> Nullable<Date>,
        bond_decision -> Nullable<Text>,
        bond_posted_on -> Nullable<Date>,
        bond_appeal_filed_on -> Nullable<Date>,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(mfa_totp -> users (user_id));
diesel::joinable!(mfa_recovery_codes -> users (user_id));
diesel::joinable!(mfa_challenges -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(cases -> clients (client_id));
diesel::joinable!(client_name_tokens -> clients (client_id));
diesel::joinable!(case_assignments -> cases (case_id));
diesel::joinable!(case_assignments -> users (user_id));
diesel::joinable!(filings -> cases (case_id));
diesel::joinable!(clock_events -> cases (case_id));
diesel::joinable!(hearings -> cases (case_id));
diesel::joinable!(hearing_changes -> hearings (hearing_id));
diesel::joinable!(decisions -> cases (case_id));
diesel::joinable!(supervision_orders -> cases (case_id));
diesel::joinable!(deadlines -> cases (case_id));
diesel::joinable!(family_members -> cases (case_id));
diesel::joinable!(one_year_exceptions -> cases (case_id));
diesel::joinable!(notes -> users (author_id));
diesel::joinable!(tasks -> cases (case_id));
diesel::joinable!(custody_periods -> cases (case_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    mfa_totp,
    mfa_recovery_codes,
    mfa_challenges,
    sessions,
    password_resets,
    audit_log,
    clients,
    client_name_tokens,
    case_counters,
    cases,
    case_assignments,
    filings,
    clock_events,
    hearings,
    hearing_changes,
    supervision_orders,
    decisions,
    family_members,
    one_year_exceptions,
    deadlines,
    closures,
    reminders,
    notes,
    tasks,
    custody_periods,
);
