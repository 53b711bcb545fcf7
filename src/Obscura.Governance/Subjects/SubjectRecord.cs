namespace Obscura.Governance.Subjects;

/// <summary>A registered data subject: only the pseudonymous id and when it was registered.</summary>
/// <param name="Id">The pseudonymous id.</param>
/// <param name="RegisteredAt">When the subject was registered.</param>
public sealed record SubjectRecord(SubjectId Id, DateTimeOffset RegisteredAt);
