using System.Globalization;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>One camera frame on disk: its camera, its capture time (UTC) and its file.</summary>
public sealed record Frame(string Camera, DateTimeOffset Timestamp, string Path)
{
    /// <summary>The file-name pattern: <c>{camera}_{yyyyMMddTHHmmssfff}Z.{jpg|png}</c>.</summary>
    public const string NamePattern = "{camera}_{yyyyMMddTHHmmssfff}Z.jpg";

    /// <summary>The file name a frame of <paramref name="camera"/> at <paramref name="utc"/> gets.</summary>
    public static string FileName(string camera, DateTimeOffset utc, string extension = "jpg") =>
        $"{camera}_{utc.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)}Z.{extension}";

    /// <summary>The frames of a folder, in time order; files whose names do not follow <see cref="NamePattern"/> are skipped.</summary>
    public static IReadOnlyList<Frame> InFolder(string folder) => InFolder(folder, null);

    /// <summary>
    /// The frames of a folder, in time order (then camera). A file named <c>{camera}_{yyyyMMddTHHmmssfff}Z.{ext}</c> is a
    /// frame of that camera at that UTC instant. With <paramref name="camera"/> given (a folder that one camera writes
    /// to), a file named <c>{yyyyMMddTHHmmssfff}Z.{ext}</c> is a frame of that camera, and a prefixed name must name it.
    /// Other files are skipped (left in place).
    /// </summary>
    public static IReadOnlyList<Frame> InFolder(string folder, string? camera)
    {
        var frames = new List<Frame>();
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(path);
            var cut = name.LastIndexOf('_');
            var named = cut > 0 ? name[..cut] : camera;
            if (named is not null && (camera is null || named == camera) && name.EndsWith('Z')
                && DateTime.TryParseExact(name[(cut + 1)..^1], "yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            {
                frames.Add(new Frame(named, new DateTimeOffset(time, TimeSpan.Zero), path));
            }
        }

        return [.. frames.OrderBy(f => f.Timestamp).ThenBy(f => f.Camera, StringComparer.Ordinal)];
    }
}
