//! Files and directories that hold secrets or client data: private to the service's user from the
//! start (mode 0600 files, 0700 directories), whatever the umask.

use std::io::Write;
use std::path::Path;

use crate::error::{AppError, AppResult};

pub fn write_private(path: &Path, contents: &str) -> AppResult<()> {
    write_private_bytes(path, contents.as_bytes())
}

/// [`write_private`] for contents that need not be text (an e-mail as sent).
pub fn write_private_bytes(path: &Path, contents: &[u8]) -> AppResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))?;
    file.write_all(contents)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))
}

/// Writes `contents` to `path` whole or not at all: into a hidden temporary file beside it
/// (mode 0600), flushed to disk, then renamed. On any error (a full disk above all) the
/// temporary file is removed, so the directory never holds a partial file, and a retry writes
/// a whole one.
pub fn write_private_whole(path: &Path, contents: &[u8]) -> AppResult<()> {
    let name = path
        .file_name()
        .ok_or_else(|| AppError::internal(format!("{} names no file", path.display())))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    let written = write_private_bytes(&tmp, contents)
        .and_then(|_| {
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| AppError::internal(format!("cannot write {}: {e}", tmp.display())))
        })
        .and_then(|_| {
            std::fs::rename(&tmp, path)
                .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Creates `dir` and its missing parents with mode 0700. Directories that exist are left as
/// they are (the parent of the database may be a system directory).
pub fn create_private_dir(dir: &Path) -> AppResult<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", dir.display())))
}

/// A directory of the service's own (the mail outbox): created 0700, or made 0700 if it exists.
pub fn private_dir(dir: &Path) -> AppResult<()> {
    create_private_dir(dir)?;
    restrict(dir, 0o700)
}

/// Creates `path` empty with mode 0600 when missing, or makes it 0600: for a file that another
/// library (SQLite) opens and would otherwise create with the umask's mode.
pub fn private_file(path: &Path) -> AppResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", path.display())))?;
    restrict(path, 0o600)
}

/// Gives an existing file or directory `mode` (what an earlier run or version left readable);
/// a missing one is no error.
pub fn restrict(path: &Path, mode: u32) -> AppResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o777 != mode => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(
                    |e| AppError::internal(format!("cannot restrict {}: {e}", path.display())),
                )?
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(AppError::internal(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
