using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.Biometrics.Protection;
using Obscura.Security.Files;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// Sealed templates on disk, one file per subject named by the SHA-256 of the subject id, each replaced atomically
/// (written to a temporary file, flushed, renamed), so a crash leaves the old or the new enrolment, never a torn one.
/// The files hold only sealed ciphertexts and ids.
/// </summary>
public sealed class FileTemplateStore : ITemplateStore
{
    private readonly string _directory;

    /// <summary>Opens (creating) the store in <paramref name="directory"/>.</summary>
    public FileTemplateStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        OwnerOnlyFiles.CreateDirectory(directory);
        _directory = directory;
    }

    /// <inheritdoc/>
    public Task SaveAsync(SealedTemplate sealedTemplate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedTemplate);
        ArgumentException.ThrowIfNullOrWhiteSpace(sealedTemplate.SubjectId);
        OwnerOnlyFiles.WriteAtomically(PathOf(sealedTemplate.SubjectId), JsonSerializer.SerializeToUtf8Bytes(sealedTemplate, TemplateStoreJson.Default.SealedTemplate));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<SealedTemplate?> FindAsync(string subjectId, CancellationToken cancellationToken)
    {
        var path = PathOf(subjectId);
        return File.Exists(path) ? Read(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) : null;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken)
    {
        var subjects = new List<string>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            if (Read(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false))?.SubjectId is { } subject)
            {
                subjects.Add(subject);
            }
        }

        subjects.Sort(StringComparer.Ordinal);
        return subjects;
    }

    private static SealedTemplate? Read(byte[] json) => JsonSerializer.Deserialize(json, TemplateStoreJson.Default.SealedTemplate);

    private string PathOf(string subjectId) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subjectId))) + ".json");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(SealedTemplate))]
internal sealed partial class TemplateStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
