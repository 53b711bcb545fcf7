using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.Biometrics.Protection;
using Obscura.Security.Files;
using Obscura.Security.Locks;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// Sealed templates on disk, one file per subject named by the SHA-256 of the subject id, each replaced atomically
/// (written to a temporary file, flushed, renamed), so a crash leaves the old or the new enrolment, never a torn one.
/// The files hold only sealed ciphertexts and ids. Saves and deletions take a cross-process lock (<c>store.lock</c>), so
/// a deletion of one enrolment never removes a newer one written by another process in between.
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
        var json = JsonSerializer.SerializeToUtf8Bytes(sealedTemplate, TemplateStoreJson.Default.SealedTemplate);
        using (ProcessLock.Acquire(LockPath, cancellationToken))
        {
            OwnerOnlyFiles.WriteAtomically(PathOf(sealedTemplate.SubjectId), json);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string subjectId, string enrolmentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        ArgumentException.ThrowIfNullOrWhiteSpace(enrolmentId);
        using var held = await ProcessLock.AcquireAsync(LockPath, cancellationToken).ConfigureAwait(false);
        var path = PathOf(subjectId);
        if (await FindAsync(subjectId, cancellationToken).ConfigureAwait(false) is not { } current || current.EnrolmentId != enrolmentId)
        {
            return false;
        }

        // Renamed away first, so a concurrent reader finds no enrolment rather than a half-overwritten file.
        var doomed = path + ".deleting";
        File.Move(path, doomed, overwrite: true);
        OwnerOnlyFiles.Delete(doomed);
        return true;
    }

    /// <inheritdoc/>
    public Task<SealedTemplate?> FindAsync(string subjectId, CancellationToken cancellationToken) => ReadAsync(PathOf(subjectId), cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken)
    {
        var subjects = new List<string>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            if ((await ReadAsync(path, cancellationToken).ConfigureAwait(false))?.SubjectId is { } subject)
            {
                subjects.Add(subject);
            }
        }

        subjects.Sort(StringComparer.Ordinal);
        return subjects;
    }

    private string LockPath => Path.Combine(_directory, "store.lock");

    /// <summary>The template in <paramref name="path"/>, or null when there is none (or it was deleted meanwhile).</summary>
    private static async Task<SealedTemplate?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] json;
        try
        {
            json = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        return JsonSerializer.Deserialize(json, TemplateStoreJson.Default.SealedTemplate);
    }

    private string PathOf(string subjectId) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subjectId))) + ".json");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(SealedTemplate))]
internal sealed partial class TemplateStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
