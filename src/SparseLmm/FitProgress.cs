namespace SparseLmm;

/// <summary>What a running fit is doing, as reported to an <see cref="IProgress{T}"/> given to
/// <see cref="MixedModel.Fit(string, Data.DataTable, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>.</summary>
public enum FitStage
{
    /// <summary>Building the model frame and making the one pass over the rows (a GLMM's rows are passed again at
    /// every PIRLS step, inside the search).</summary>
    Rows = 0,

    /// <summary>The search over the covariance parameters θ (a GLMM's first stage: θ with β inside PIRLS).</summary>
    Search = 1,

    /// <summary>A GLMM's second stage: the search over θ and β together on the Laplace or quadrature deviance.</summary>
    JointSearch = 2,

    /// <summary>A GLMM's finite-difference Hessian for the covariance of β̂ (which also confirms the optimum).</summary>
    Covariance = 3,

    /// <summary>A linear mixed model's finite-difference derivatives of the criterion at the optimum, which confirm it
    /// (<see cref="Results.MixedModelFit.OptimumCheck"/>) and which Satterthwaite's df reuse.</summary>
    Checking = 4,
}

/// <summary>A report on a running fit. Reports come when a stage begins, at most every 100 ms during a search, and
/// when a search ends (with its final count and best value), from the thread that runs the fit (a
/// <see cref="Progress{T}"/> passes them on to its synchronization context, so they may arrive after the fit returned).</summary>
/// <param name="Stage">What the fit is doing.</param>
/// <param name="Evaluations">Objective evaluations so far, all stages together (what
/// <see cref="FitOptions.MaxEvaluations"/> limits per search).</param>
/// <param name="BestObjective">The smallest objective value of the current search so far (the REML criterion or −2
/// log-likelihood, as the search sees it); NaN before the search's first evaluation.</param>
/// <param name="Elapsed">Time since the fit began.</param>
public sealed record FitProgress(FitStage Stage, int Evaluations, double BestObjective, TimeSpan Elapsed);
