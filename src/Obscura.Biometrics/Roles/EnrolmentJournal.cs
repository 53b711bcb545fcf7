using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Obscura.Security.Files;
using Obscura.Security.Locks;

namespace Obscura.Biometrics.Roles;

/// <summary>One enrolment, or what is left of one: a subject's transformation key, template, or both.</summary>
/// <param name="SubjectId">The subject.</param>
/// <param name="TransformationKeyId">The enrolment's transformation key, when there is one.</param>
/// <param name="EnrolmentId">The enrolment's template, when there is one.</param>
internal sealed record EnrolmentPart(string SubjectId, string? TransformationKeyId, string? EnrolmentId);

/// <summary>
/// An enrolment change that is not finished: written before anything is changed, deleted once everything is. Whatever
/// it names is removed by recovery: the parts in <see cref="Remove"/> were to go anyway, and the enrolment in
/// <see cref="Create"/> is rolled back because its publication cannot be confirmed.
/// </summary>
/// <param name="Id">The change's id (its journal file name).</param>
/// <param name="Reason">Why parts are removed (the ledger's destination token).</param>
/// <param name="Remove">Keys and templates to destroy.</param>
/// <param name="Create">The enrolment being created, if any.</param>
internal sealed record EnrolmentChange(string Id, string Reason, IReadOnlyList<EnrolmentPart> Remove, EnrolmentPart? Create)
{
    /// <summary>Every part the change names.</summary>
    [JsonIgnore]
    public IEnumerable<EnrolmentPart> Parts => Create is null ? Remove : Remove.Append(Create);

    /// <summary>A new change with a random id.</summary>
    public static EnrolmentChange New(string reason, IReadOnlyList<EnrolmentPart> remove, EnrolmentPart? create = null) =>
        new($"chg_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}", reason, remove, create);
}

/// <summary>
/// The capture side's write-ahead journal of enrolment changes (<c>pending/</c>) and its cross-process subject locks
/// (<c>locks/</c>, 64 lock files shared by hash of the subject id, so no file names a subject and their number stays
/// fixed). Every change runs holding the locks of its subjects and is journalled before it touches a key, a template
/// or the ledger; recovery settles only changes whose locks it can take, so it never interferes with a live process's
/// change. Lock files are never deleted (see <see cref="ProcessLock"/>).
/// </summary>
internal sealed class EnrolmentJournal
{
    private const int Stripes = 64;
    private readonly string _pending;
    private readonly string _locks;

    public EnrolmentJournal(string directory)
    {
        _pending = OwnerOnlyFiles.CreateDirectory(Path.Combine(directory, "pending"));
        _locks = OwnerOnlyFiles.CreateDirectory(Path.Combine(directory, "locks"));
    }

    /// <summary>Takes the locks of <paramref name="subjects"/>, in ascending order so that no two callers deadlock.</summary>
    public async Task<IDisposable> LockAsync(IEnumerable<string> subjects, CancellationToken cancellationToken)
    {
        var held = new List<ProcessLock>();
        try
        {
            foreach (var stripe in StripesOf(subjects))
            {
                held.Add(await ProcessLock.AcquireAsync(LockPath(stripe), cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            Release(held);
            throw;
        }

        return new Held(held);
    }

    /// <summary>Takes the locks of <paramref name="subjects"/> if all are free now; null when any is held.</summary>
    public IDisposable? TryLock(IEnumerable<string> subjects)
    {
        var held = new List<ProcessLock>();
        foreach (var stripe in StripesOf(subjects))
        {
            if (ProcessLock.TryAcquire(LockPath(stripe)) is not { } acquired)
            {
                Release(held);
                return null;
            }

            held.Add(acquired);
        }

        return new Held(held);
    }

    /// <summary>Records <paramref name="change"/> durably before any of it is done.</summary>
    public void Write(EnrolmentChange change) =>
        OwnerOnlyFiles.WriteAtomically(PathOf(change.Id), JsonSerializer.SerializeToUtf8Bytes(change, EnrolmentJournalJson.Default.EnrolmentChange));

    /// <summary>Removes <paramref name="change"/> once all of it is done (or undone).</summary>
    public void Complete(EnrolmentChange change) => OwnerOnlyFiles.Delete(PathOf(change.Id));

    /// <summary>Whether <paramref name="change"/> is still pending (read again after taking its locks).</summary>
    public bool IsPending(EnrolmentChange change) => File.Exists(PathOf(change.Id));

    /// <summary>The changes not yet completed, oldest first.</summary>
    public IReadOnlyList<EnrolmentChange> Pending()
    {
        var changes = new List<(DateTime At, EnrolmentChange Change)>();
        foreach (var path in Directory.EnumerateFiles(_pending, "chg_*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(path), EnrolmentJournalJson.Default.EnrolmentChange) is { } change)
                {
                    changes.Add((File.GetLastWriteTimeUtc(path), change));
                }
            }
            catch (FileNotFoundException)
            {
                // Completed meanwhile.
            }
        }

        return [.. changes.OrderBy(c => c.At).Select(c => c.Change)];
    }

    /// <summary>The lock file that guards <paramref name="subjectId"/>'s enrolment changes.</summary>
    public string LockPathOf(string subjectId) => LockPath(StripeOf(subjectId));

    private static int StripeOf(string subjectId) => SHA256.HashData(Encoding.UTF8.GetBytes(subjectId))[0] % Stripes;

    private static IEnumerable<int> StripesOf(IEnumerable<string> subjects) => subjects.Select(StripeOf).Distinct().Order();

    private string LockPath(int stripe) => Path.Combine(_locks, string.Create(CultureInfo.InvariantCulture, $"subjects-{stripe:x2}.lock"));

    private string PathOf(string changeId) =>
        changeId.StartsWith("chg_", StringComparison.Ordinal) && changeId.Length <= 64 && changeId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? Path.Combine(_pending, changeId + ".json")
            : throw new InvalidDataException("A journal entry has a malformed id.");

    private static void Release(List<ProcessLock> held)
    {
        foreach (var l in held)
        {
            l.Dispose();
        }
    }

    private sealed class Held(List<ProcessLock> locks) : IDisposable
    {
        public void Dispose() => Release(locks);
    }
}

[JsonSerializable(typeof(EnrolmentChange))]
internal sealed partial class EnrolmentJournalJson : JsonSerializerContext;
