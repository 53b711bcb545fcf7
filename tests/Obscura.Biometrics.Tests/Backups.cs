using Microsoft.Data.Sqlite;

namespace Obscura.Biometrics.Tests;

/// <summary>File-level backups of a data folder as an operator takes them: everything but the key-encryption-key folders.</summary>
internal static class Backups
{
    /// <summary>Copies every file under <paramref name="from"/> to <paramref name="to"/>, leaving out <c>kek</c> folders.</summary>
    public static void Take(string from, string to)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in DataFiles(from))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>Puts <paramref name="backup"/> back in <paramref name="target"/>: its data files replaced, its <c>kek</c> folders as they are now.</summary>
    public static void Restore(string backup, string target)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in DataFiles(target))
        {
            File.Delete(file);
        }

        Take(backup, target);
    }

    private static IEnumerable<string> DataFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Contains("kek"))
            .ToList();
}
