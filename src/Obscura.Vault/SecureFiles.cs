using System.Security.Cryptography;

namespace Obscura.Vault;

/// <summary>File operations the vault relies on: atomic writes and overwrite-before-delete.</summary>
internal static class SecureFiles
{
    /// <summary>
    /// Writes <paramref name="bytes"/> to a temporary file beside <paramref name="path"/>, flushes it to disk and renames
    /// it into place, so a crash leaves either no file or the whole file. With <paramref name="ownerOnly"/> the file is
    /// created owner-only, so it is never readable by others, not even before the rename.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes, bool ownerOnly = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var file = new FileStream(temporary, options))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Overwrites the file with random bytes, flushes, and deletes it. On copy-on-write file systems and SSDs the old
    /// blocks may survive; the vault's own copies are protected by crypto-shredding instead, and this is defence in
    /// depth for plaintext intermediates.
    /// </summary>
    public static void Delete(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
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

    /// <summary>Overwrites and deletes every file under <paramref name="directory"/>, then the directories. Returns the files deleted.</summary>
    public static int DeleteDirectory(string directory)
    {
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
