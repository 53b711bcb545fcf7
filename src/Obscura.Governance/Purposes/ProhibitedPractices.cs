using System.Collections.Frozen;

namespace Obscura.Governance.Purposes;

/// <summary>
/// The practices Obscura refuses to register a purpose for, whatever lawful basis is claimed, with the provision that
/// prohibits each (EU AI Act, Regulation (EU) 2024/1689, Art. 5(1)).
/// </summary>
public static class ProhibitedPractices
{
    private static readonly FrozenDictionary<ProcessingPractice, string> Citations = new Dictionary<ProcessingPractice, string>
    {
        [ProcessingPractice.BiometricCategorisationOfSensitiveTraits] = "EU AI Act Art. 5(1)(g): biometric categorisation to deduce race, political opinions, trade-union membership, religious or philosophical beliefs, sex life or sexual orientation",
        [ProcessingPractice.UntargetedFacialImageScraping] = "EU AI Act Art. 5(1)(e): untargeted scraping of facial images from the internet or CCTV footage to create or expand facial-recognition databases",
        [ProcessingPractice.EmotionRecognitionAtWorkOrEducation] = "EU AI Act Art. 5(1)(f): inferring emotions of a natural person in the workplace or education institutions",
        [ProcessingPractice.SocialScoring] = "EU AI Act Art. 5(1)(c): social scoring leading to detrimental or unfavourable treatment",
        [ProcessingPractice.CriminalRiskPredictionByProfiling] = "EU AI Act Art. 5(1)(d): risk assessment of committing a criminal offence based solely on profiling",
    }.ToFrozenDictionary();

    /// <summary>Whether <paramref name="practice"/> is prohibited.</summary>
    public static bool IsProhibited(ProcessingPractice practice) => Citations.ContainsKey(practice);

    /// <summary>The legal provision that prohibits <paramref name="practice"/>, or <see langword="null"/> when it is not prohibited.</summary>
    public static string? CitationFor(ProcessingPractice practice) => Citations.GetValueOrDefault(practice);
}
