namespace Obscura.Biometrics.Roles;

/// <summary>What a biometric retention sweep removed.</summary>
/// <param name="Recovered">Unfinished enrolment changes (a crash or failure mid-way) settled: their keys and templates removed.</param>
/// <param name="WithdrawnSubjects">Subjects whose enrolment was removed because they may no longer be processed (consent withdrawn or missing, objection, unknown subject).</param>
/// <param name="KeysDestroyed">Transformation keys destroyed (recovery included).</param>
/// <param name="TemplatesDeleted">Sealed templates deleted (recovery included).</param>
public sealed record BiometricRetentionReport(int Recovered, int WithdrawnSubjects, int KeysDestroyed, int TemplatesDeleted);
