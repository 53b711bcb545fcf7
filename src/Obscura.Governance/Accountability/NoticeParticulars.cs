using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// What the layered notice of a purpose states that its registration and assessments do not: where the second layer
/// and the objection form are published, the controller's procedure for visitors who object (Art. 21), how to
/// complain to the supervisory authority (Art. 13(2)(d)) and the data protection officer (Art. 13(1)(b)). Recorded
/// like the other accountability documents; the latest is in force.
/// </summary>
/// <param name="Purpose">The purpose the notice informs about.</param>
/// <param name="SupervisoryAuthority">The authority a visitor can complain to and how to reach it, e.g. "Integritetsskyddsmyndigheten (IMY), www.imy.se" (1–200 characters).</param>
/// <param name="SecondLayerUrl">The absolute https address of the second layer (printed on the sign, as text and QR code).</param>
/// <param name="ObjectionUrl">The absolute https address of the objection form.</param>
/// <param name="InStoreObjection">The controller's procedure for objecting in the store, e.g. the masked lane (1–1000 characters); null where there is none.</param>
/// <param name="DataProtectionOfficer">The data protection officer's contact (1–200 characters); null where none is designated.</param>
public sealed record NoticeParticulars(
    PurposeId Purpose,
    string SupervisoryAuthority,
    Uri SecondLayerUrl,
    Uri ObjectionUrl,
    string? InStoreObjection = null,
    string? DataProtectionOfficer = null);
