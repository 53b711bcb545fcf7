namespace Obscura.Biometrics.Roles;

/// <summary>What onboarding may do when the subject already has an enrolment.</summary>
public enum EnrolmentMode
{
    /// <summary>A first enrolment: refused with a conflict while the subject has a live one (one that can still verify).</summary>
    Onboard,

    /// <summary>
    /// A deliberate re-enrolment (a controller's decision): the live enrolment's transformation key is destroyed and its
    /// template replaced, and both steps are recorded in the ledger with the new enrolment.
    /// </summary>
    ReEnrol,
}
