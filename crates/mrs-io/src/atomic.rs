//! Atomic file output: write to a temporary file beside the target, then rename over it.

use crate::error::{ErrorKind, IoError, Result};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `path` atomically: `write` fills a temporary file in the same folder, which is
/// flushed, synced and renamed onto `path` only if `write` succeeds. A crash or an error
/// leaves any previous file at `path` untouched.
///
/// # Errors
/// [`ErrorKind::Os`] when the folder is not writable, or the error `write` returns.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let os_error = |e: std::io::Error| IoError::new(path, ErrorKind::Os(e));
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".mrskit-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(os_error)?;
    {
        let mut writer = BufWriter::new(temp.as_file());
        write(&mut writer)?;
        writer.flush().map_err(os_error)?;
    }
    set_output_permissions(temp.as_file(), path).map_err(os_error)?;
    temp.as_file().sync_all().map_err(os_error)?;
    temp.persist(path).map_err(|e| os_error(e.error))?;
    Ok(())
}

/// Gives the temporary file the permissions a plainly created file would have: those of the
/// file it replaces, else read-write for the owner and read-only for others (0644). Temporary
/// files start as 0600, which would otherwise carry over to the output.
#[cfg(unix)]
fn set_output_permissions(file: &std::fs::File, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_output_permissions(_file: &std::fs::File, _target: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Writes `bytes` to `path` atomically (see [`write_atomic`]).
///
/// # Errors
/// [`ErrorKind::Os`] when the file cannot be written.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| {
        w.write_all(bytes)
            .map_err(|e| IoError::new(path, ErrorKind::Os(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_keeps_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.txt");
        write_bytes_atomic(&path, b"old").expect("first write");
        let result = write_atomic(&path, |w| {
            w.write_all(b"partial").expect("write to buffer");
            Err(IoError::new(&path, ErrorKind::missing("test")))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&path).expect("read back"), b"old");
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "temporary file must be removed");
    }

    #[cfg(unix)]
    #[test]
    fn new_file_is_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.txt");
        write_bytes_atomic(&path, b"data").expect("write");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
