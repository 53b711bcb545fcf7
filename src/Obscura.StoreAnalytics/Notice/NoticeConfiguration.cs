namespace Obscura.StoreAnalytics.Notice;

/// <summary>
/// What the controller states in the layered notice that the edge's configuration cannot say: who it is, how to reach
/// it and its data protection officer, the legitimate interest it relies on (Art. 6(1)(f)), the processor, how long
/// the aggregates are kept, where the second layer is published and how a visitor objects (Art. 21). Every text is
/// shown as written (escaped), in the language of the sign. <see cref="GovernedNotice"/> builds it from the governance
/// records.
/// </summary>
public sealed record NoticeConfiguration
{
    /// <summary>The controller's name (Art. 13(1)(a)).</summary>
    public required string Controller { get; init; }

    /// <summary>The controller's postal address or e-mail (Art. 13(1)(a)).</summary>
    public required string ControllerContact { get; init; }

    /// <summary>The data protection officer's contact, where one is designated (Art. 13(1)(b)).</summary>
    public string? DataProtectionOfficer { get; init; }

    /// <summary>The legitimate interest pursued (Art. 13(1)(d)), e.g. "to plan staffing and the store layout from visitor flows and queues".</summary>
    public required string LegitimateInterest { get; init; }

    /// <summary>The purpose as registered (Art. 13(1)(c)); null for the fixed description of the store analytics.</summary>
    public string? Purpose { get; init; }

    /// <summary>The outcome of the legitimate-interests assessment, as the notice states it; null when not stated.</summary>
    public string? InterestAssessment { get; init; }

    /// <summary>The processors that compute the statistics, the recipients (Art. 13(1)(e)).</summary>
    public required string Processor { get; init; }

    /// <summary>Transfers outside the EU/EEA and their safeguard (Art. 13(1)(f)); null when there are none.</summary>
    public string? ThirdCountryTransfers { get; init; }

    /// <summary>How long the aggregated statistics are kept (Art. 13(2)(a)), e.g. "24 months".</summary>
    public required string AggregateRetention { get; init; }

    /// <summary>The https address of the second layer (printed on the sign).</summary>
    public required Uri SecondLayerUrl { get; init; }

    /// <summary>The https address of the objection form (Art. 21).</summary>
    public required Uri ObjectionUrl { get; init; }

    /// <summary>
    /// How to avoid analysis in the store, e.g. "Walk in through the marked lane on the left: faces there are not
    /// analysed". Required when a camera has a privacy mask, since that is what the masks are for.
    /// </summary>
    public string? InStoreObjection { get; init; }

    /// <summary>The supervisory authority a visitor can complain to (Art. 13(2)(d)), e.g. "Integritetsskyddsmyndigheten (IMY), www.imy.se".</summary>
    public required string SupervisoryAuthority { get; init; }
}
