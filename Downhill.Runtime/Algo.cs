namespace Downhill;

/// <summary>The optimization algorithms, as downhill names them (build one by name with <c>Optimizer.Create</c>).</summary>
public enum Algo
{
    /// <summary>Stochastic gradient descent.</summary>
    Sgd,

    /// <summary>Nesterov's accelerated gradient: SGD with Nesterov momentum forced on.</summary>
    Nag,

    /// <summary>Resilient backpropagation (iRprop−, Igel &amp; Hüsken 2000).</summary>
    RProp,

    /// <summary>AdaGrad (Duchi, Hazan &amp; Singer 2011).</summary>
    AdaGrad,

    /// <summary>RMSProp in Graves's centered form (Graves 2013, eq. 38–41).</summary>
    RmsProp,

    /// <summary>ADADELTA (Zeiler 2012).</summary>
    AdaDelta,

    /// <summary>Equilibrated SGD (Dauphin, de Vries &amp; Bengio 2015).</summary>
    Esgd,

    /// <summary>Adam (Kingma &amp; Ba 2015), bias-corrected.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019).</summary>
    AdamW,
}
