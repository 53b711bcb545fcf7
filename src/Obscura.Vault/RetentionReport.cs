namespace Obscura.Vault;

/// <summary>What a retention run did.</summary>
/// <param name="ExpiredObjects">Objects past their retention period, deleted.</param>
/// <param name="WithdrawnObjects">Objects whose subject withdrew consent or objected, deleted.</param>
/// <param name="ShreddedSubjects">Subjects whose data key was destroyed because no object of theirs is left.</param>
/// <param name="ExpiredExports">Exports past their expiry, deleted.</param>
/// <param name="ScratchAreasDeleted">Scratch areas past their deadline, deleted.</param>
public sealed record RetentionReport(int ExpiredObjects, int WithdrawnObjects, int ShreddedSubjects, int ExpiredExports, int ScratchAreasDeleted);
