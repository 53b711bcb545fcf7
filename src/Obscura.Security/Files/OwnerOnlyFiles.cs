using System.Security.Cryptography;
using System.Text;

namespace Obscura.Security.Files;

/// <summary>
/// The one way Obscura writes files under a data folder: folders are created owner-only (0700) and files owner-only
/// (0600) from their first byte, never widened afterwards; a write goes to a unique temporary file that is flushed to
/// disk and renamed into place, so a crash leaves the old file or the new one, never a torn one, and two writers of
/// one file never share a temporary. On Windows the modes do not apply and the folder's ACLs are inherited.
/// </summary>
public static class OwnerOnlyFiles
{
    /// <summary>Owner read and write: the mode of every file Obscura creates.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read, write and search: the mode of every folder Obscura creates.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates <paramref name="path"/> and any missing parent owner-only, and narrows the folder itself to owner-only
    /// if it already existed with a wider mode (a folder made by an older version). Returns the full path.
    /// </summary>
    public static string CreateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return full;
        }

        // Each missing level is made owner-only (Directory.CreateDirectory's mode applies to the last level only).
        var missing = new Stack<string>();
        for (var level = full; !Directory.Exists(level); level = Path.GetDirectoryName(level)!)
        {
            missing.Push(level);
        }

        while (missing.TryPop(out var level))
        {
            Directory.CreateDirectory(level, DirectoryMode);
        }

        if ((File.GetUnixFileMode(full) & ~DirectoryMode) != 0)
        {
            File.SetUnixFileMode(full, DirectoryMode);
        }

        return full;
    }

    /// <summary>Narrows an existing file (0600) or folder (0700) to owner-only; nothing happens when it does not exist or stops existing meanwhile.</summary>
    public static void Restrict(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            if (Directory.Exists(path))
            {
                File.SetUnixFileMode(path, DirectoryMode);
            }
            else if (File.Exists(path))
            {
                File.SetUnixFileMode(path, FileMode);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Gone between the check and the change (SQLite removes its -shm and -wal when another process's last
            // connection closes): nothing is left to narrow, and a new one gets the database's owner-only mode.
        }
    }

    /// <summary>
    /// Narrows <paramref name="path"/> and SQLite's <c>-wal</c> and <c>-shm</c> files beside it to owner-only. SQLite
    /// gives a new journal its database's mode, and an existing journal keeps its own, so a database restored by a copy
    /// that did not keep modes would leak through both.
    /// </summary>
    public static void RestrictDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            Restrict(file);
        }
    }

    /// <summary>
    /// Narrows <paramref name="root"/> and every file and folder under it to owner-only when <paramref name="root"/>
    /// itself is wider (a folder restored by a copy that did not keep modes, or made by an older version); a root that
    /// is owner-only is left alone, so the walk costs nothing on every open. Symbolic links are not followed; entries
    /// that vanish meanwhile (deleted by another process) are skipped.
    /// </summary>
    public static void RestrictTreeIfWide(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (OperatingSystem.IsWindows() || !Directory.Exists(root) || (File.GetUnixFileMode(root) & ~DirectoryMode) == 0)
        {
            return;
        }

        var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", walk))
        {
            try
            {
                Restrict(entry);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Deleted while the walk listed it.
            }
        }

        Restrict(root);
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and durably, owner-only. The folder is
    /// created owner-only when missing.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the previous version, if any, is intact.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = Create(temporary))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) atomically and durably, owner-only.</summary>
    public static void WriteAtomically(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAtomically(path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// Creates a new owner-only file for writing a stream of data (it must not exist yet). Callers that need
    /// atomicity write to a temporary name and rename, or publish a whole folder by renaming it.
    /// </summary>
    /// <exception cref="IOException">The file exists.</exception>
    public static FileStream Create(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// Overwrites the file with random bytes, flushes, and deletes it; nothing happens when it does not exist. On
    /// copy-on-write file systems and SSDs old blocks may survive the overwrite: secrets are protected by
    /// crypto-shredding, and this is defence in depth for plaintext intermediates and retired keys. Another process
    /// that has the file open for reading (on Unix, .NET readers hold a shared advisory lock) neither stops the erasure
    /// nor keeps the content: the overwrite reaches the same inode its handle reads. A file another process deletes
    /// meanwhile counts as deleted.
    /// </summary>
    public static void Delete(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            return;
        }

        FileStream opened;
        try
        {
            // Shared, not exclusive: an exclusive open would fail while anyone reads the file, leaving it whole on disk.
            opened = new FileStream(path, System.IO.FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }

        using (var file = opened)
        {
            var buffer = new byte[64 * 1024];
            for (var remaining = file.Length; remaining > 0; remaining -= buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                file.Write(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            }

            file.Flush(flushToDisk: true);
        }

        File.Delete(path);
    }

    /// <summary>Overwrites and deletes every file under <paramref name="directory"/>, then the folders. Returns the number of files deleted.</summary>
    public static int DeleteDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            Delete(file);
        }

        Directory.Delete(directory, recursive: true);
        return files.Length;
    }
}
