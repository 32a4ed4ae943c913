//! Which rows a read may return. Storage knows scopes, not users or roles: `auth::policy` maps a
//! caller to a scope, and every list and lookup applies it.

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::{case_assignments, cases, clients};
use super::MultiBackend;

/// The rows a read may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (an administrator).
    All,
    /// The cases a user is assigned to, their clients, and the clients the user created while
    /// those have no case yet.
    AssignedTo(String),
    /// An unfiltered read by the system itself (recompute, the reminder worker), never on behalf
    /// of a caller.
    Internal,
}

/// A boxed SQL condition on one table.
pub type Condition<T> = Box<dyn BoxableExpression<T, MultiBackend, SqlType = Bool>>;

/// The ids of the cases a user is assigned to (a subquery, served by `case_assignments_user`).
pub fn assigned_case_ids(
    user_id: &str,
) -> diesel::helper_types::Select<
    diesel::helper_types::Filter<
        case_assignments::table,
        diesel::helper_types::Eq<case_assignments::user_id, String>,
    >,
    case_assignments::case_id,
> {
    case_assignments::table
        .filter(case_assignments::user_id.eq(user_id.to_string()))
        .select(case_assignments::case_id)
}

/// Cases assigned to `user_id`, as a correlated `EXISTS` probing the primary key of
/// `case_assignments` (case, user): for a single case one lookup (SQLite: 44 VM instructions),
/// where `IN (the user's case ids)` listed all of the user's assignments first (2,450 for a
/// lawyer with 400 cases; issue 14 saw single-case reads scan `case_assignments`).
/// Unboxed, so that a statement using it can stay prepared (see `cases::find`).
#[diesel::dsl::auto_type]
pub fn assigned_to_case(user_id: &str) -> _ {
    let user: String = user_id.to_string();
    exists(
        case_assignments::table
            .filter(case_assignments::case_id.eq(cases::id))
            .filter(case_assignments::user_id.eq(user)),
    )
}

impl Scope {
    /// The user a scope narrows to, if any: for joined queries, which cannot take the one-table
    /// conditions below (filter them with [`assigned_case_ids`]).
    pub fn assigned_user(&self) -> Option<&str> {
        match self {
            Scope::AssignedTo(u) => Some(u),
            Scope::All | Scope::Internal => None,
        }
    }

    /// Cases in scope, for lists; `None` means no filter. An `IN (the user's case ids)`, so that
    /// SQLite starts from the assignments: a caller with few cases reads few rows (as an
    /// `EXISTS` it walked every case in list order: 32,509 VM instructions against 21 for a
    /// caller with no case).
    pub fn cases(&self) -> Option<Condition<cases::table>> {
        let user = self.assigned_user()?;
        Some(Box::new(cases::id.eq_any(assigned_case_ids(user))))
    }

    /// Clients in scope: those of assigned cases, and the user's own while they have no case.
    pub fn clients(&self) -> Option<Condition<clients::table>> {
        let user = self.assigned_user()?.to_string();
        let via_case = clients::id.eq_any(
            case_assignments::table
                .inner_join(cases::table)
                .filter(case_assignments::user_id.eq(user.clone()))
                .select(cases::client_id),
        );
        let own_without_case = clients::created_by.eq(user).and(not(exists(
            cases::table.filter(cases::client_id.eq(clients::id)),
        )));
        Some(Box::new(via_case.or(own_without_case)))
    }

    /// [`Scope::clients`] for a read of one client by id: a probe of the client's cases
    /// (`cases_client`) and their assignments (primary key), not the list of all the user's.
    pub fn client(&self) -> Option<Condition<clients::table>> {
        let user = self.assigned_user()?.to_string();
        let via_case = exists(
            case_assignments::table
                .inner_join(cases::table)
                .filter(cases::client_id.eq(clients::id))
                .filter(case_assignments::user_id.eq(user.clone())),
        );
        let own_without_case = clients::created_by.eq(user).and(not(exists(
            cases::table.filter(cases::client_id.eq(clients::id)),
        )));
        Some(Box::new(via_case.or(own_without_case)))
    }
}
