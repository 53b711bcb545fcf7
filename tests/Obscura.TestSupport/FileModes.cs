namespace Obscura.TestSupport;

/// <summary>Checks of Unix file modes: every file and folder Obscura writes under a data folder is owner-only.</summary>
public static class FileModes
{
    /// <summary>Owner read and write.</summary>
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read, write and search.</summary>
    public const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The mode of a file or folder (Unix only; tests that call it skip on Windows).</summary>
    public static UnixFileMode Of(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("Unix modes.") : System.IO.File.GetUnixFileMode(path);

    /// <summary>Sets a mode (Unix only), to simulate files left by older versions.</summary>
    public static void Set(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Unix modes.");
        }

        System.IO.File.SetUnixFileMode(path, mode);
    }

    /// <summary>
    /// The files and folders under <paramref name="root"/> (itself included) whose mode is not owner-only, each as
    /// "path mode"; empty on Windows.
    /// </summary>
    public static IReadOnlyList<string> WiderThanOwnerOnly(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            return [];
        }

        var wide = new List<string>();
        foreach (var path in Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Append(root))
        {
            UnixFileMode mode;
            try
            {
                mode = Of(path);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Gone between listing and checking (SQLite removes its -shm file when the last connection closes):
                // a file that no longer exists exposes nothing.
                continue;
            }

            if (mode != (Directory.Exists(path) ? Folder : File))
            {
                wide.Add($"{Path.GetRelativePath(root, path)} {mode}");
            }
        }

        wide.Sort(StringComparer.Ordinal);
        return wide;
    }
}
