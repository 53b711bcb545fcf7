using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>One block's encrypted margins and whose they are: SubjectIds[k] is the real part of slot k for k &lt; N/2, the imaginary part of slot k − N/2 after.</summary>
public sealed record EncryptedBlockScores(IReadOnlyList<string> SubjectIds, CkksCiphertext Margins);
