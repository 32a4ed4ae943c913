//! Queries on the family members of a case (spouse and children): insert, correct, remove (kept
//! in history, never deleted), page, and the facts the deadline rules read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::page::{Cursor, Page};
use super::schema::family_members;
use super::DbConnection;
use crate::domain::deadlines::FamilyFact;
use crate::domain::vocab::Relationship;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_members)]
pub struct FamilyMember {
    pub id: String,
    pub case_id: String,
    /// `spouse` or `child`.
    pub relationship: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// Normalised: `A` and 9 digits.
    pub a_number: Option<String>,
    pub derivative: bool,
    pub in_united_states: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_reason: Option<String>,
    pub removed_by: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &FamilyMember) -> AppResult<()> {
    diesel::insert_into(family_members::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Writes a corrected or removed member (every field a correction or removal may change).
pub fn update(conn: &mut DbConnection, row: &FamilyMember) -> AppResult<()> {
    diesel::update(family_members::table.find(&row.id))
        .set((
            family_members::relationship.eq(&row.relationship),
            family_members::given_name.eq(&row.given_name),
            family_members::family_name.eq(&row.family_name),
            family_members::native_name.eq(&row.native_name),
            family_members::date_of_birth.eq(row.date_of_birth),
            family_members::a_number.eq(&row.a_number),
            family_members::derivative.eq(row.derivative),
            family_members::in_united_states.eq(row.in_united_states),
            family_members::updated_at.eq(row.updated_at),
            family_members::removed_at.eq(row.removed_at),
            family_members::removed_reason.eq(&row.removed_reason),
            family_members::removed_by.eq(&row.removed_by),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<FamilyMember> {
    family_members::table
        .find(id)
        .select(FamilyMember::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// One page of a case's family members, removed ones included, in the order recorded (index
/// `family_members_case`).
pub fn page_of_case(
    conn: &mut DbConnection,
    case_id: &str,
    page: &Page,
) -> AppResult<(Vec<FamilyMember>, Option<String>)> {
    let mut q = family_members::table
        .filter(family_members::case_id.eq(case_id.to_string()))
        .select(FamilyMember::as_select())
        .into_boxed();
    q = crate::keyset_filter!(q, page, family_members::created_at, family_members::id, gt);
    let mut rows = q
        .order((family_members::created_at, family_members::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |m| Cursor {
        at: m.created_at,
        id: m.id.clone(),
    }))
}

/// All of a case's family members, removed ones included, in the order recorded.
pub fn of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<FamilyMember>> {
    Ok(family_members::table
        .filter(family_members::case_id.eq(case_id))
        .order((family_members::created_at, family_members::id))
        .select(FamilyMember::as_select())
        .load(conn)?)
}

/// The members the rules read: those not removed, as facts. An unknown stored relationship is
/// skipped rather than guessed (it cannot be written through the API).
pub fn facts(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<FamilyFact>> {
    let rows: Vec<FamilyMember> = family_members::table
        .filter(family_members::case_id.eq(case_id))
        .filter(family_members::removed_at.is_null())
        .order((family_members::created_at, family_members::id))
        .select(FamilyMember::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            Some(FamilyFact {
                relationship: Relationship::parse(&m.relationship)?,
                id: m.id,
                date_of_birth: m.date_of_birth,
            })
        })
        .collect())
}
