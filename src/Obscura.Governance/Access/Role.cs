namespace Obscura.Governance.Access;

/// <summary>Who an API key acts as. Each endpoint names the roles it admits.</summary>
public enum Role
{
    /// <summary>The controller's administrators: subjects, purposes, consent on a subject's behalf, assessments, records.</summary>
    Controller = 1,

    /// <summary>A processor acting on the controller's instructions: asks whether processing is allowed; reads tree heads and proofs.</summary>
    Processor,

    /// <summary>The data protection officer or an auditor: records, assessments, the full ledger and its subject index, verification.</summary>
    Auditor,

    /// <summary>A data subject's self-service key: their own consent, objections and ledger entries only.</summary>
    Subject,

    /// <summary>
    /// A store's objection kiosk or the back end of the public objection form: records anonymous visitors' objections
    /// (Art. 21) and nothing else; it reads nothing.
    /// </summary>
    ObjectionIntake,

    /// <summary>
    /// A store's edge device: posts its signed batches of group-ID events (<c>POST /v1/store/batches</c>) for the one
    /// store it is registered for, and nothing else; it reads nothing.
    /// </summary>
    Edge,
}
