namespace Obscura.Governance.Purposes;

/// <summary>
/// What a purpose does with the data. Most practices are lawful given a basis; the ones documented as prohibited are
/// refused outright whatever the basis (see <see cref="ProhibitedPractices"/>).
/// </summary>
public enum ProcessingPractice
{
    /// <summary>1:1 biometric verification of a claimed identity.</summary>
    BiometricVerification = 1,

    /// <summary>1:N biometric identification against a gallery.</summary>
    BiometricIdentification,

    /// <summary>Training or improving a machine-learning model.</summary>
    ModelTraining,

    /// <summary>Producing anonymous aggregate statistics.</summary>
    AggregateAnalytics,

    /// <summary>Storing data for later use.</summary>
    Storage,

    /// <summary>Fraud prevention and security monitoring.</summary>
    FraudPrevention,

    /// <summary>Prohibited: categorising people by biometrics into race, political opinions, trade-union membership, religious or philosophical beliefs, sex life or sexual orientation.</summary>
    BiometricCategorisationOfSensitiveTraits = 100,

    /// <summary>Prohibited: building or expanding facial-recognition databases by untargeted scraping of facial images from the internet or CCTV.</summary>
    UntargetedFacialImageScraping,

    /// <summary>Prohibited: inferring emotions of people at the workplace or in education institutions.</summary>
    EmotionRecognitionAtWorkOrEducation,

    /// <summary>Prohibited: social scoring leading to detrimental or unfavourable treatment.</summary>
    SocialScoring,

    /// <summary>Prohibited: predicting criminal offences based solely on profiling or personality traits.</summary>
    CriminalRiskPredictionByProfiling,
}
