r"""The course's bilingual glossary (术语表): every technical term, in English and Chinese, defined once.

The data are one tuple, :data:`GLOSSARY`, of :class:`Entry` ``(english, chinese, definition,
chapter)``: the term, its Chinese translation as the chapters use it, a definition of at most 200
characters, and the chapter that teaches it (a number of :data:`helpers.course.CHAPTERS`).
Notebook ``glossary.ipynb`` shows it; :func:`lookup` finds a term by its English or Chinese name.

Every chapter ends with a "Key terms (本章术语)" table, and the test suite holds those tables to
this glossary: each term must be here, with the same Chinese. :func:`key_terms` reads a table;
a row such as ``| weight, bias | 权重，偏置 |`` names two terms, and :func:`split_terms` pairs
them up when both sides list the same number of parts. Terms are compared after
:func:`normalise` (case, hyphens, "-ization"/"-isation" and parenthesised additions such as
"(MSE)" do not matter). When a new chapter lands::

    python -m helpers.glossary --missing     # key terms missing here, or with another 中文

Standard library only: ``import helpers.glossary`` loads neither NumPy nor nbformat.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["Entry", "GLOSSARY", "entries", "lookup", "key_terms", "split_terms", "normalise", "missing"]

KEY_TERMS_HEADING = "Key terms (本章术语)"
"""The heading of every chapter's key-terms table."""

_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
_CJK = re.compile(r"[\u4e00-\u9fff]")


class Entry(NamedTuple):
    """One glossary entry."""

    english: str
    """The English term as the course writes it, e.g. ``"cross-entropy"``."""
    chinese: str
    """Its Chinese translation, as in the chapters' key-terms tables, e.g. ``"交叉熵"``."""
    definition: str
    """A short definition (at most 200 characters)."""
    chapter: str
    """The chapter that teaches it: a number of :data:`helpers.course.CHAPTERS` (``"05"``)."""


_E = Entry
GLOSSARY: tuple[Entry, ...] = (
    # 00 Start here
    _E(
        "seed",
        "随机种子",
        "The number that fixes a random number generator's sequence, so a run can be repeated exactly.",
        "00",
    ),
    _E(
        "reproducibility",
        "可复现性",
        "Getting the same numbers from the same code and data on every run; the course fixes seeds and "
        "checks stored outputs.",
        "00",
    ),
    _E(
        "checksum",
        "校验和",
        "A short fingerprint of a file (e.g. SHA-256) that shows whether its bytes changed; the course "
        "checks every data file with one.",
        "00",
    ),
    _E(
        "training / validation / test set",
        "训练集 / 验证集 / 测试集",
        "Data to fit on, data to choose models and settings on, and data opened once at the end to estimate "
        "performance on new cases.",
        "02",
    ),
    _E("training set", "训练集", "The part of the data a model's parameters are fitted on.", "02"),
    _E(
        "validation set",
        "验证集",
        "Held-out data used to choose among models, hyperparameters or epochs; its score is biased upwards "
        "by that choice.",
        "02",
    ),
    _E(
        "test set",
        "测试集",
        "Held-out data used once, after all choices are made, to estimate performance on new data.",
        "02",
    ),
    # 01 What a large model is
    _E(
        "large model",
        "大模型",
        "A neural network with very many parameters (today billions), trained on very much data; 'large' is "
        "relative, not a threshold.",
        "01",
    ),
    _E(
        "parameter",
        "参数",
        "A number the training procedure learns, such as a weight or a bias; each gets a gradient.",
        "01",
    ),
    _E(
        "parameter count",
        "参数量",
        "The number of learned numbers in a model, N; with the data size it sets memory and training compute.",
        "01",
    ),
    _E(
        "compute",
        "算力",
        "The amount of arithmetic a job needs or a machine provides, counted in floating-point operations "
        "(FLOPs) or FLOP/s.",
        "01",
    ),
    _E(
        "FLOPs",
        "浮点运算次数",
        "Floating-point operations: a forward pass costs about 2N per token, training about 6N per token for "
        "N parameters.",
        "01",
    ),
    _E(
        "dense (fully connected) layer",
        "全连接层",
        "A layer z = xW + b in which every output depends on every input; D_in·D_out + D_out parameters.",
        "01",
    ),
    _E(
        "embedding",
        "嵌入",
        "A learned table of vectors, one row per token, user or item; looking up a row replaces a one-hot "
        "vector times a matrix.",
        "01",
    ),
    _E(
        "layer normalisation",
        "层归一化",
        "Rescaling each example's vector to mean 0 and variance 1 across its features, then applying a "
        "learned scale and shift.",
        "09",
    ),
    _E(
        "multi-head attention",
        "多头注意力",
        "Attention run in parallel on h learned projections of queries, keys and values, then concatenated "
        "and projected.",
        "09",
    ),
    _E(
        "Transformer block",
        "Transformer 块",
        "Multi-head attention and a feed-forward network, each with a residual connection and layer normalisation.",
        "01",
    ),
    _E(
        "feed-forward network",
        "前馈网络",
        "In a Transformer block, two dense layers applied to each position separately; about two thirds of "
        "the block's parameters.",
        "09",
    ),
    _E(
        "token", "词元", "The unit a language model reads and predicts: a word, a piece of a word or a character.", "01"
    ),
    _E("context length", "上下文长度", "The number of tokens a model attends over at once.", "01"),
    _E(
        "weight tying",
        "权重绑定",
        "Using the same matrix for the input embedding and the output layer of a language model.",
        "01",
    ),
    _E(
        "inference (serving)",
        "推理 (服务)",
        "Running a trained model on new inputs to produce predictions, as a product does.",
        "01",
    ),
    _E(
        "batching",
        "批处理",
        "Processing several requests or examples together so that the hardware works on larger matrices.",
        "01",
    ),
    _E(
        "memory bandwidth",
        "显存带宽",
        "How many bytes per second a processor can read from its memory; often the limit when generating "
        "tokens one at a time.",
        "01",
    ),
    _E("utilization", "利用率", "The fraction of a machine's peak arithmetic that a job actually achieves.", "01"),
    _E(
        "user advantage",
        "用户优势",
        "What a company gains from its users: their data, feedback and usage, which can improve its models.",
        "01",
    ),
    _E(
        "channel advantage",
        "渠道优势",
        "Access to customers through distribution: partners, platforms, sales networks.",
        "01",
    ),
    _E(
        "product strategy",
        "产品策略",
        "The choice of which problem a product solves, for whom, and how it competes.",
        "01",
    ),
    _E(
        "business model",
        "商业模式",
        "How a company creates value and is paid for it: subscriptions, usage fees, licences, advertising.",
        "01",
    ),
    _E(
        "user value chain loop",
        "用户价值链闭环",
        "Users create data, data improve the model, a better model attracts users: the loop the articles describe.",
        "01",
    ),
    _E(
        "data flywheel",
        "数据飞轮",
        "The user value chain loop seen as a self-reinforcing cycle; whether it turns is an empirical question.",
        "01",
    ),
    _E(
        "A/B test",
        "A/B 测试",
        "A randomised experiment that shows two versions of a product to comparable groups and compares an outcome.",
        "01",
    ),
    _E(
        "active learning",
        "主动学习",
        "Choosing which examples to label next, e.g. those the model is least sure about, instead of "
        "labelling at random.",
        "01",
    ),
    # 02 The ML workflow
    _E(
        "data cleaning",
        "数据清洗",
        "Finding and handling wrong, missing, duplicated or inconsistent records before modelling.",
        "02",
    ),
    _E(
        "missing value",
        "缺失值",
        "A field with no recorded value; whether it is missing can itself carry information.",
        "02",
    ),
    _E(
        "imputation",
        "插补",
        "Filling missing values, e.g. with the training median, fitted on the training split only.",
        "02",
    ),
    _E(
        "duplicate",
        "重复样本",
        "An example that appears more than once; copies on both sides of a split leak the test set.",
        "02",
    ),
    _E(
        "normalisation",
        "归一化",
        "Rescaling features to a common range or scale, with statistics from the training split only.",
        "02",
    ),
    _E(
        "standardisation",
        "标准化",
        "Subtracting the training mean and dividing by the training standard deviation, feature by feature.",
        "02",
    ),
    _E(
        "data leakage",
        "数据泄漏",
        "Information from the test data (or the future) reaching training, which makes scores look better "
        "than they will be.",
        "02",
    ),
    _E("leakage", "数据泄漏", "Short for data leakage.", "02"),
    _E(
        "pipeline",
        "流水线",
        "A chain of preprocessing steps and a model fitted together on the training data only.",
        "02",
    ),
    _E(
        "feature selection", "特征选择", "Choosing which input features a model uses; done on all data, it leaks.", "02"
    ),
    _E(
        "k-fold cross-validation",
        "k 折交叉验证",
        "Splitting the training data into k parts and validating on each in turn while training on the rest.",
        "02",
    ),
    _E("stratified split", "分层抽样划分", "A split that keeps each class's share the same in every part.", "02"),
    _E(
        "baseline",
        "基线",
        "A simple reference a model must beat to be worth anything: the majority class, the mean, a linear model.",
        "02",
    ),
    _E(
        "class imbalance",
        "类别不平衡",
        "One class far rarer than another, so accuracy says little and the threshold matters.",
        "02",
    ),
    _E("accuracy", "准确率", "The share of predictions that are correct.", "02"),
    _E("precision", "精确率", "Of the cases predicted positive, the share that are positive: TP / (TP + FP).", "02"),
    _E("recall", "召回率", "Of the positive cases, the share predicted positive: TP / (TP + FN).", "02"),
    _E("F1 score", "F1 分数", "The harmonic mean of precision and recall: 2PR / (P + R).", "02"),
    _E(
        "true / false positive, true / false negative",
        "真阳性 / 假阳性，真阴性 / 假阴性",
        "The four cells of a binary confusion matrix: predicted positive or negative, correctly or not.",
        "02",
    ),
    _E(
        "confusion matrix",
        "混淆矩阵",
        "A table counting, for each true class, how often each class was predicted.",
        "02",
    ),
    _E(
        "ROC curve", "ROC 曲线", "True-positive rate against false-positive rate as the decision threshold moves.", "02"
    ),
    _E(
        "area under the curve (AUC)",
        "曲线下面积 (AUC)",
        "The area under the ROC curve: the probability that a random positive is scored above a random negative.",
        "02",
    ),
    _E(
        "threshold",
        "阈值",
        "The score above which a classifier says 'positive'; chosen by the cost of each kind of error.",
        "02",
    ),
    _E(
        "standard error",
        "标准误差",
        "The standard deviation of an estimate over repeated samples; for an accuracy p on n cases, √(p(1−p)/n).",
        "02",
    ),
    _E(
        "bootstrap",
        "自助法",
        "Estimating uncertainty by recomputing a statistic on many resamples, drawn with replacement, of the data.",
        "02",
    ),
    _E("one-hot encoding", "独热编码", "A vector of zeros with a single 1 at the index of the category.", "02"),
    _E(
        "hyperparameter",
        "超参数",
        "A setting chosen by the engineer, not learned by gradient: learning rate, batch size, layer width, λ.",
        "07",
    ),
    _E(
        "overfitting",
        "过拟合",
        "Fitting the training data's noise, so that training error is low and error on new data high.",
        "08",
    ),
    _E(
        "early stopping",
        "早停",
        "Stopping training when the validation loss stops improving, keeping the best weights.",
        "08",
    ),
    # 03 Neurons and activations
    _E(
        "neuron",
        "神经元",
        "A unit computing σ(w·x + b): a weighted sum of its inputs plus a bias, through an activation function.",
        "03",
    ),
    _E("weight", "权重", "A learned coefficient multiplying an input in a neuron or layer.", "03"),
    _E(
        "bias",
        "偏置",
        "A learned constant added to a neuron's weighted sum; without it the neuron's output at x = 0 is fixed.",
        "03",
    ),
    _E("pre-activation", "预激活值", "The weighted sum z = w·x + b, before the activation function.", "03"),
    _E("activation", "激活值", "A neuron's output a = σ(z).", "03"),
    _E(
        "activation function",
        "激活函数",
        "The non-linear function σ a neuron applies to its pre-activation: sigmoid, tanh, ReLU, GELU.",
        "03",
    ),
    _E("layer", "层", "A set of neurons that read the same inputs; the network stacks layers.", "03"),
    _E("batch", "批", "A group of examples processed together, stored as the rows of a matrix.", "03"),
    _E(
        "sigmoid", "S 型函数 (sigmoid)", "σ(z) = 1 / (1 + e^(−z)), with values in (0, 1) and derivative σ(1 − σ).", "03"
    ),
    _E(
        "hyperbolic tangent (tanh)",
        "双曲正切",
        "tanh z = (e^z − e^(−z)) / (e^z + e^(−z)) = 2σ(2z) − 1, with values in (−1, 1).",
        "03",
    ),
    _E(
        "rectified linear unit (ReLU)",
        "修正线性单元",
        "max(0, z); its derivative is 0 or 1 (0 at z = 0 by convention).",
        "03",
    ),
    _E("leaky ReLU", "带泄漏的 ReLU", "max(αz, z) with a small α, so negative inputs keep a small gradient.", "03"),
    _E(
        "Gaussian error linear unit (GELU)",
        "高斯误差线性单元",
        "z·Φ(z), with Φ the standard normal CDF; the activation of BERT and GPT.",
        "03",
    ),
    _E(
        "softmax",
        "softmax 函数",
        "softmax(z)_k = e^(z_k) / Σ_j e^(z_j): turns a vector of logits into probabilities that sum to 1.",
        "03",
    ),
    _E(
        "logits",
        "对数几率 (未归一化的分数)",
        "The unnormalised scores z a classifier outputs before the softmax or sigmoid.",
        "05",
    ),
    _E(
        "shift invariance",
        "平移不变性",
        "softmax(z + c) = softmax(z): adding a constant to every logit changes nothing; used for stability.",
        "03",
    ),
    _E("Jacobian", "雅可比矩阵", "The matrix of partial derivatives ∂y_i/∂x_j of a vector function.", "03"),
    _E(
        "numerical stability",
        "数值稳定性",
        "Computing a formula so that rounding, overflow and underflow do not spoil the result.",
        "03",
    ),
    _E(
        "overflow",
        "上溢",
        "A result too large for the number format, which becomes inf (e.g. exp(1000) in float64).",
        "03",
    ),
    _E("underflow", "下溢", "A result too small for the number format, which becomes 0 (e.g. exp(−1000)).", "03"),
    _E(
        "saturation",
        "饱和",
        "An activation (or softmax) in its flat region, where its derivative is near 0 and learning stalls.",
        "03",
    ),
    _E(
        "vanishing gradient",
        "梯度消失",
        "Gradients that shrink layer after layer, e.g. by a factor σ′ ≤ 1/4, until early layers barely learn.",
        "03",
    ),
    _E(
        "Glorot (Xavier) / He initialisation",
        "Glorot (Xavier) / He 初始化",
        "Random initial weights scaled by the layer's fan-in and fan-out (Glorot) or fan-in (He, for ReLU) "
        "to keep signals steady.",
        "03",
    ),
    _E(
        "automatic differentiation",
        "自动微分",
        "Computing exact derivatives of a program by applying the chain rule to its elementary operations.",
        "06",
    ),
    _E(
        "central difference",
        "中心差分",
        "(f(x + h) − f(x − h)) / 2h, a numerical derivative with error of order h².",
        "06",
    ),
    _E(
        "subgradient",
        "次梯度",
        "A slope usable at a kink where the derivative does not exist, such as ReLU at 0.",
        "03",
    ),
    # 04 Losses and gradient descent
    _E("loss", "损失", "A number measuring how wrong a model's predictions are; training minimises its average.", "04"),
    _E("loss function", "损失函数", "The function that maps predictions and targets to the loss.", "04"),
    _E(
        "mean squared error (MSE)",
        "均方误差",
        "(1/N) Σ (ŷ_i − y_i)²: the average squared difference between predictions and targets.",
        "04",
    ),
    _E(
        "gradient",
        "梯度",
        "The vector of partial derivatives of the loss with respect to the parameters; it points uphill.",
        "04",
    ),
    _E("gradient descent", "梯度下降", "Repeatedly stepping the parameters against the gradient: θ ← θ − η∇L.", "04"),
    _E("learning rate", "学习率", "The step size η of gradient descent; too large diverges, too small crawls.", "04"),
    _E(
        "batch / mini-batch / stochastic gradient descent",
        "批量 / 小批量 / 随机梯度下降",
        "Gradient descent with the gradient of all examples, of a small random subset, or of one example per step.",
        "04",
    ),
    _E("minibatch", "小批量", "A small random subset of the training examples used for one gradient step.", "04"),
    _E(
        "stochastic gradient descent (SGD)",
        "随机梯度下降",
        "Gradient descent on the gradient of random mini-batches (or single examples).",
        "04",
    ),
    _E("epoch", "轮 (训练轮次)", "One pass over the whole training set.", "04"),
    _E("linear model", "线性模型", "A prediction ŷ = xw + b that is linear in the parameters.", "04"),
    _E(
        "design matrix",
        "设计矩阵",
        "The matrix X with one row per example and one column per feature (plus a column of ones for the bias).",
        "04",
    ),
    _E("normal equations", "正规方程", "XᵀXw = Xᵀy, whose solution is the least-squares fit of a linear model.", "04"),
    _E("least squares", "最小二乘", "Fitting by minimising the sum of squared errors.", "04"),
    _E(
        "coefficient of determination ($R^2$)",
        "决定系数",
        "1 − SSE/SST: the share of the target's variance a model explains.",
        "04",
    ),
    _E(
        "eigenvalue",
        "特征值",
        "A number λ with Av = λv; the Hessian's largest eigenvalue sets the largest stable learning rate, 2/λ_max.",
        "04",
    ),
    _E(
        "condition number",
        "条件数",
        "λ_max/λ_min of the Hessian: large values mean a long narrow valley where gradient descent zig-zags.",
        "04",
    ),
    _E("Hessian matrix", "黑塞矩阵", "The matrix of second derivatives ∂²L/∂θ_i∂θ_j of the loss.", "04"),
    _E("Hessian", "黑塞矩阵", "Short for Hessian matrix.", "07"),
    _E(
        "chain rule",
        "链式法则",
        "The derivative of a composition is the product of the derivatives: dz/dx = dz/dy · dy/dx, summed "
        "over all paths.",
        "06",
    ),
    _E("finite differences", "有限差分", "Approximating a derivative from function values at nearby points.", "04"),
    _E("gradient check", "梯度检验", "Comparing an analytic gradient with finite differences to catch errors.", "04"),
    _E(
        "gradient checking",
        "梯度检验",
        "Comparing an analytic gradient with finite differences, entry by entry, with a stated tolerance.",
        "06",
    ),
    # 05 Cross-entropy
    _E(
        "information content, surprise",
        "信息量",
        "−log p(x): how surprising an outcome of probability p is, in nats or bits.",
        "05",
    ),
    _E("entropy", "熵", "H(p) = −Σ p log p: the average surprise of a distribution.", "05"),
    _E(
        "cross-entropy",
        "交叉熵",
        "H(p, q) = −Σ p log q: the average surprise of outcomes from p under a model q; the classification loss.",
        "05",
    ),
    _E(
        "KL divergence (relative entropy)",
        "KL 散度 (相对熵)",
        "D(p‖q) = Σ p log(p/q) = H(p, q) − H(p) ≥ 0: how much worse q codes p than p itself.",
        "05",
    ),
    _E("Gibbs' inequality", "吉布斯不等式", "H(p, q) ≥ H(p), with equality only when q = p.", "05"),
    _E("nat", "奈特", "The unit of information with natural logarithms; 1 nat = 1/ln 2 bits.", "05"),
    _E("bit", "比特", "The unit of information with base-2 logarithms.", "05"),
    _E(
        "likelihood",
        "似然",
        "The probability a model assigns to the observed data, as a function of its parameters.",
        "05",
    ),
    _E(
        "maximum likelihood estimation",
        "最大似然估计",
        "Choosing the parameters that make the observed data most probable; for classifiers it minimises "
        "cross-entropy.",
        "05",
    ),
    _E(
        "negative log-likelihood",
        "负对数似然",
        "−log of the likelihood; averaged over examples it is the cross-entropy loss.",
        "05",
    ),
    _E(
        "binary cross-entropy",
        "二元交叉熵",
        "−[y log p + (1 − y) log(1 − p)]: the loss of a yes/no prediction p.",
        "05",
    ),
    _E("sparse labels", "稀疏标签", "Class labels given as integers 0 … K−1.", "05"),
    _E("one-hot labels", "独热标签", "Class labels given as one-hot vectors of length K.", "05"),
    _E(
        "softmax Jacobian",
        "softmax 的雅可比矩阵",
        "∂p_i/∂z_j = p_i(δ_ij − p_j); with cross-entropy it collapses to ∂L/∂z = p − y.",
        "05",
    ),
    _E("log-sum-exp", "对数求和指数", "log Σ e^(z_j), computed stably as m + log Σ e^(z_j − m) with m = max z.", "05"),
    _E(
        "clipping",
        "截断",
        "Limiting values to a range, e.g. probabilities to [ε, 1 − ε] before a log; wrong for large logits.",
        "05",
    ),
    _E(
        "label smoothing",
        "标签平滑",
        "Training on targets (1 − ε)y + ε/K instead of one-hot y, so the model is not pushed to infinite logits.",
        "05",
    ),
    # 06 Backpropagation
    _E(
        "backpropagation",
        "反向传播",
        "Computing every gradient of a network by the chain rule, from the loss back through the layers, "
        "reusing shared parts.",
        "06",
    ),
    _E("forward pass", "前向传播", "Computing a network's outputs (and loss) from its inputs, layer by layer.", "06"),
    _E(
        "backward pass",
        "反向传播",
        "Computing the gradients of the loss with respect to every parameter, from the output back to the input.",
        "06",
    ),
    _E(
        "computational graph",
        "计算图",
        "A graph of the elementary operations of a computation, through which derivatives flow backwards.",
        "06",
    ),
    _E(
        "local derivative",
        "局部导数",
        "The derivative of one node's output with respect to its own input, used by the chain rule.",
        "06",
    ),
    _E(
        "adjoint",
        "伴随值",
        "The derivative of the final output with respect to an intermediate value, ∂L/∂v, accumulated backwards.",
        "06",
    ),
    _E(
        "topological order",
        "拓扑排序",
        "An order of a graph's nodes in which every node comes after its inputs; backprop runs it in reverse.",
        "06",
    ),
    _E(
        "error signal δ",
        "误差项 δ",
        "δ = ∂L/∂z for a layer's pre-activations; δ^(l) = (δ^(l+1) W^(l+1)ᵀ) ⊙ σ′(z^(l)).",
        "06",
    ),
    _E(
        "outer product",
        "外积",
        "xᵀδ for column vectors: a weight gradient is the outer product of the layer input and its error signal.",
        "06",
    ),
    _E("multi-layer perceptron (MLP)", "多层感知机", "A stack of dense layers with non-linear activations.", "06"),
    _E("relative error", "相对误差", "|a − b| / max(ε, |a| + |b|): the measure used to compare gradients.", "06"),
    # 07 Optimizers
    _E(
        "optimizer",
        "优化器",
        "The rule that turns gradients into parameter updates: SGD, momentum, RMSProp, Adam.",
        "07",
    ),
    _E(
        "optimizer state",
        "优化器状态",
        "What an optimizer keeps between steps, such as momentum or moment estimates; Adam keeps two numbers "
        "per parameter.",
        "07",
    ),
    _E(
        "momentum",
        "动量",
        "Adding a fraction of the previous step to the current one, v ← μv − η g, to speed up along "
        "consistent directions.",
        "07",
    ),
    _E(
        "heavy ball",
        "重球法",
        "Polyak's name for momentum: the parameters move like a heavy ball rolling downhill.",
        "07",
    ),
    _E(
        "Nesterov momentum",
        "Nesterov 动量",
        "Momentum that evaluates the gradient at the point the velocity is about to reach.",
        "07",
    ),
    _E("velocity", "速度", "The running step v of momentum methods.", "07"),
    _E(
        "RMSProp, running mean square",
        "RMSProp，滑动均方",
        "RMSProp divides each gradient entry by the square root of a running mean of its squares.",
        "07",
    ),
    _E(
        "Adam, first and second moment estimates",
        "Adam，一阶与二阶矩估计",
        "Adam combines momentum (a running mean of gradients, m) with RMSProp (of squared gradients, v), "
        "bias-corrected.",
        "07",
    ),
    _E(
        "exponential moving average",
        "指数滑动平均",
        "m ← βm + (1 − β)g: a running average that forgets old values geometrically.",
        "07",
    ),
    _E(
        "bias correction",
        "偏差校正",
        "Dividing Adam's moving averages by 1 − β^t, since they start at 0 and are too small early on.",
        "07",
    ),
    _E(
        "epsilon (numerical stability constant)",
        "ε (数值稳定常数)",
        "A small constant added to a denominator, as in Adam's √v + ε, to avoid division by zero.",
        "07",
    ),
    _E(
        "ill-conditioned",
        "病态的",
        "Having a large condition number: curvature very different in different directions.",
        "07",
    ),
    _E(
        "Rosenbrock function",
        "罗森布罗克函数",
        "(1 − x)² + 100(y − x²)², a curved narrow valley used to test optimizers.",
        "07",
    ),
    _E(
        "learning-rate schedule",
        "学习率调度",
        "A rule, fixed in advance, that changes the learning rate during training.",
        "07",
    ),
    _E("step decay", "阶梯衰减", "Multiplying the learning rate by a factor every fixed number of steps.", "07"),
    _E("cosine decay", "余弦衰减", "Lowering the learning rate along half a cosine from its peak to near zero.", "07"),
    _E(
        "warm-up",
        "预热",
        "Raising the learning rate from near zero over the first steps, before Adam's estimates settle.",
        "07",
    ),
    # 08 Generalisation
    _E(
        "generalisation",
        "泛化",
        "Performing well on new data from the same source, not only on the training data.",
        "08",
    ),
    _E("generalisation error", "泛化误差", "The expected error on new data.", "08"),
    _E(
        "generalisation gap",
        "泛化差距",
        "The difference between error on new data and error on the training data.",
        "08",
    ),
    _E(
        "empirical risk",
        "经验风险",
        "The average loss on the training data, which training minimises as a stand-in for the generalisation error.",
        "08",
    ),
    _E("underfitting", "欠拟合", "A model too simple, or trained too little, to fit even the training data.", "08"),
    _E(
        "model capacity",
        "模型容量",
        "How complex the functions a model can fit are; grows with parameters and training time.",
        "08",
    ),
    _E(
        "regularisation",
        "正则化",
        "Anything that reduces overfitting without more data: penalties, dropout, early stopping, augmentation.",
        "08",
    ),
    _E("L2 penalty", "L2 惩罚", "Adding (λ/2)‖W‖² to the loss, which pulls weights towards 0.", "08"),
    _E("L2 regularisation", "L2 正则化", "Regularising with an L2 penalty on the weights (or embeddings).", "08"),
    _E(
        "weight decay",
        "权重衰减",
        "Shrinking the weights by a factor each step; equal to an L2 penalty for plain SGD.",
        "08",
    ),
    _E(
        "decoupled weight decay (AdamW)",
        "解耦权重衰减",
        "Weight decay applied apart from Adam's adaptive step, so it is not rescaled by √v.",
        "08",
    ),
    _E("dropout", "随机失活 (dropout)", "Setting a random fraction of activations to 0 at each training step.", "08"),
    _E(
        "inverted dropout",
        "反向缩放的 dropout",
        "Dropout that divides the kept activations by the keep probability, so nothing changes at test time.",
        "08",
    ),
    _E("Bernoulli mask", "伯努利掩码", "A random 0/1 array, each entry 1 with probability p, used by dropout.", "08"),
    _E("patience", "耐心值", "How many epochs early stopping waits for an improvement before stopping.", "08"),
    _E(
        "data augmentation",
        "数据增强",
        "Training on label-preserving transformations of the examples (shifts, small rotations); versions "
        "are not new data.",
        "08",
    ),
    _E("learning curve", "学习曲线", "Validation performance against training-set size (or training time).", "08"),
    _E("power law", "幂律", "A relation y = a·x^(−b), a straight line on log-log axes.", "08"),
    _E("scaling law", "缩放定律", "A power law relating a model's loss to its parameters, data or compute.", "08"),
    # 09 Attention and Transformers
    _E(
        "attention",
        "注意力",
        "Computing each output as a weighted average of values, with weights from how well a query matches each key.",
        "09",
    ),
    _E("attention weights", "注意力权重", "softmax(QKᵀ/√d_k): one row per query, summing to 1.", "09"),
    _E(
        "scaled dot-product attention",
        "缩放点积注意力",
        "softmax(QKᵀ/√d_k)V, with d_k the size of queries and keys.",
        "09",
    ),
    _E("query", "查询", "The vector a position uses to ask which other positions are relevant.", "09"),
    _E("key", "键", "The vector a position offers to be matched against queries.", "09"),
    _E("value", "值", "The vector a position contributes to the weighted average.", "09"),
    _E(
        "head",
        "头",
        "One of the parallel attention computations of multi-head attention, with its own projections.",
        "09",
    ),
    _E("projection", "投影", "Multiplying by a learned matrix, e.g. W^Q, to map vectors into another space.", "09"),
    _E(
        "self-attention",
        "自注意力",
        "Attention in which queries, keys and values all come from the same sequence.",
        "09",
    ),
    _E(
        "cross-attention",
        "交叉注意力",
        "Attention in which queries come from one sequence and keys and values from another.",
        "09",
    ),
    _E("mask", "掩码", "An array that marks which positions attention may use.", "09"),
    _E(
        "padding mask",
        "填充掩码",
        "A mask that hides the padding positions added to make sequences the same length.",
        "09",
    ),
    _E(
        "causal mask",
        "因果掩码",
        "A mask that hides future positions, so each token attends only to itself and earlier ones.",
        "09",
    ),
    _E(
        "permutation equivariance",
        "置换等变",
        "Permuting the inputs permutes the outputs the same way: attention alone ignores order.",
        "09",
    ),
    _E(
        "positional encoding",
        "位置编码",
        "Vectors added to token embeddings that tell the model each token's position.",
        "09",
    ),
    _E(
        "residual connection",
        "残差连接",
        "Adding a block's input to its output, x + f(x), so gradients and signals pass through deep stacks.",
        "09",
    ),
    _E("encoder block", "编码器块", "A Transformer block without causal masking, as in BERT.", "09"),
    _E(
        "masked language modelling",
        "掩码语言模型",
        "Pre-training by hiding some tokens and predicting them from the rest; the labels come from the text.",
        "09",
    ),
    _E(
        "next-sentence prediction",
        "下一句预测",
        "BERT's second pre-training task: does sentence B follow sentence A? A 2-class cross-entropy.",
        "09",
    ),
    _E(
        "self-supervised learning",
        "自监督学习",
        "Learning from targets made from the data itself, such as masked tokens, without human labels.",
        "09",
    ),
    # 10 Case: review sentiment
    _E(
        "sentiment analysis",
        "情感分析",
        "Classifying a text by the opinion it expresses, e.g. positive or negative.",
        "10",
    ),
    _E("word segmentation", "分词", "Splitting text without spaces, such as Chinese, into words.", "10"),
    _E("character n-gram", "字符 n 元组", "A run of n consecutive characters, used as a feature.", "10"),
    _E(
        "TF-IDF",
        "词频-逆文档频率",
        "Term frequency times inverse document frequency: a term's weight in a document, high if frequent "
        "there and rare elsewhere.",
        "10",
    ),
    _E(
        "logistic regression",
        "逻辑回归",
        "A linear model followed by a sigmoid (or softmax), trained with cross-entropy.",
        "10",
    ),
    _E(
        "LSTM",
        "长短期记忆网络",
        "Long short-term memory: a recurrent layer with gates that control what its cell state keeps.",
        "10",
    ),
    _E(
        "convolution",
        "卷积",
        "Sliding a small learned kernel over an input and taking a weighted sum at each position.",
        "11",
    ),
    _E("global max pooling", "全局最大池化", "Keeping, for each channel, the largest value over all positions.", "10"),
    _E("majority-class baseline", "多数类基线", "Always predicting the most common class of the training data.", "10"),
    _E(
        "random row split", "随机按行划分", "Assigning rows to training and test sets at random, after shuffling.", "10"
    ),
    _E("error analysis", "错误分析", "Reading the examples a model gets wrong to find patterns and causes.", "10"),
    _E("throughput", "吞吐量", "Work done per unit of time, e.g. reviews classified per second.", "10"),
    _E(
        "paired test",
        "配对检验",
        "A test comparing two models on the same examples, using the per-example differences.",
        "10",
    ),
    _E(
        "McNemar's test",
        "McNemar 检验",
        "A paired test for two classifiers, from the examples on which exactly one of them is wrong.",
        "10",
    ),
    # 11 Case: image CNN
    _E(
        "convolutional neural network (CNN)",
        "卷积神经网络",
        "A network built from convolutional and pooling layers, for grid data such as images.",
        "11",
    ),
    _E(
        "cross-correlation",
        "互相关",
        "Sliding a kernel without flipping it; what deep-learning libraries call convolution.",
        "11",
    ),
    _E("kernel", "卷积核", "The small weight array a convolution slides over its input.", "11"),
    _E("filter", "滤波器", "Another name for a convolution kernel (with its input channels).", "11"),
    _E("stride", "步长", "How far a kernel moves between positions; output side ⌊(n + 2p − k)/s⌋ + 1.", "11"),
    _E("padding", "填充", "Values (usually zeros) added around an input's border.", "11"),
    _E("max pooling", "最大池化", "Keeping the largest value in each window, which shrinks a feature map.", "11"),
    _E("feature map", "特征图", "The output of one convolution channel: where in the input its pattern appears.", "11"),
    _E("flatten", "展平", "Reshaping each example's feature maps into one vector, keeping the batch dimension.", "11"),
    _E("weight sharing", "权值共享", "Using the same kernel weights at every position of the input.", "11"),
    _E("nearest-neighbour classifier", "最近邻分类器", "Predicting the label of the closest training example.", "11"),
    _E(
        "support vector machine (RBF kernel)",
        "支持向量机（径向基核）",
        "A maximum-margin classifier; with the RBF kernel it fits smooth non-linear boundaries.",
        "11",
    ),
    # 12 Case: recommendation
    _E("recommender system", "推荐系统", "A system that predicts which items a user will like.", "12"),
    _E("explicit rating", "显式评分", "A score a user gives an item on purpose, such as 1–5 stars.", "12"),
    _E(
        "matrix factorisation",
        "矩阵分解",
        "Predicting a rating as the dot product of a user vector and an item vector (plus biases).",
        "12",
    ),
    _E(
        "user / item bias",
        "用户 / 物品偏置",
        "Learned offsets for how generously a user rates and how well an item is rated.",
        "12",
    ),
    _E("global mean", "全局均值", "The average of all training ratings: the simplest rating baseline.", "12"),
    _E(
        "cold start",
        "冷启动",
        "A user or item with no history, for which a factorisation model has nothing learned.",
        "12",
    ),
    _E("long tail", "长尾", "The many items with few ratings each.", "12"),
    _E("root mean squared error (RMSE)", "均方根误差", "√MSE, in the target's own units (stars).", "12"),
    _E("hit rate@k", "命中率@k", "The share of users whose held-out item is among their top k recommendations.", "12"),
    _E(
        "normalised discounted cumulative gain (NDCG)",
        "归一化折损累计增益",
        "A ranking score that rewards relevant items near the top, 1/log₂(rank + 1), normalised to at most 1.",
        "12",
    ),
    _E("popularity baseline", "流行度基线", "Recommending the most popular items to everyone.", "12"),
    _E(
        "negative sampling",
        "负采样",
        "Scoring a held-out item against randomly drawn items the user has not rated.",
        "12",
    ),
    _E("cosine similarity", "余弦相似度", "The cosine of the angle between two vectors: u·v / (‖u‖‖v‖).", "12"),
    # 13 Case: credit risk
    _E(
        "probability of default",
        "违约概率",
        "The probability that a borrower fails to repay; what a credit model predicts.",
        "13",
    ),
    _E(
        "gradient boosting",
        "梯度提升",
        "An ensemble of small decision trees, each fitted to the errors the previous ones leave.",
        "13",
    ),
    _E("AUC", "曲线下面积", "Short for the area under the ROC curve.", "02"),
    _E(
        "precision–recall curve",
        "精确率–召回率曲线",
        "Precision against recall as the threshold moves; more telling than ROC when positives are rare.",
        "13",
    ),
    _E(
        "average precision",
        "平均精确率",
        "The area under the precision–recall curve, as a weighted mean of precisions.",
        "13",
    ),
    _E("class weights", "类别权重", "Weights on the loss of each class, e.g. to count a rare class more.", "13"),
    _E(
        "random oversampling",
        "随机过采样",
        "Repeating randomly chosen examples of the rare class in the training set.",
        "13",
    ),
    _E("loss given default", "违约损失率", "The share of a loan that is lost when the borrower defaults.", "13"),
    _E("expected cost", "期望成本", "The average cost of a decision rule: each error's rate times its cost.", "13"),
    _E(
        "protected attribute",
        "受保护属性",
        "A characteristic such as age or sex that a decision may not be based on.",
        "13",
    ),
    # 15 Case: pre-train, then fine-tune
    _E(
        "self-supervised pre-training",
        "自监督预训练",
        "Training on targets cut from unlabelled data (such as masked tokens) before the labelled task.",
        "15",
    ),
    _E(
        "masked language model (MLM)",
        "掩码语言模型",
        "A model trained to predict hidden tokens from the rest of the text, such as BERT.",
        "15",
    ),
    _E("tokenizer", "分词器", "The program that splits text into tokens and maps them to ids.", "15"),
    _E("unigram baseline", "一元基线", "Predicting the most frequent token everywhere, ignoring the context.", "15"),
    _E("end-to-end training", "端到端训练", "Training all of a model's parameters together on the final task.", "15"),
    _E(
        "sample efficiency",
        "样本效率",
        "How much performance a method gets from a given number of labelled examples.",
        "15",
    ),
    _E("label budget", "标注预算", "The number of examples one can afford to have labelled.", "15"),
    _E("transfer learning", "迁移学习", "Reusing what a model learned on one task or data set for another.", "15"),
    # 16 User advantage: the data flywheel
    _E(
        "user value chain",
        "用户价值链",
        "The articles' chain from users' needs through product and model to feedback.",
        "16",
    ),
    _E(
        "extrapolation",
        "外推",
        "Predicting outside the range of the measured data, e.g. a learning curve beyond its largest n.",
        "16",
    ),
    _E(
        "diminishing returns",
        "收益递减",
        "Each further unit of input (data, feedback) adds less than the one before.",
        "16",
    ),
    _E("pool", "样本池", "The unlabelled examples active learning chooses from.", "16"),
    _E(
        "uncertainty sampling",
        "不确定性采样",
        "Active learning that labels the examples the model is least sure about.",
        "16",
    ),
    _E("random labelling", "随机标注", "Labelling examples drawn at random: the baseline for active learning.", "16"),
    _E(
        "selection bias",
        "选择偏差",
        "A sample that differs systematically from the population, e.g. feedback only on what was shown.",
        "16",
    ),
    _E("control", "对照组", "In an A/B test, the group that gets the current version.", "16"),
    _E("treatment", "实验组", "In an A/B test, the group that gets the new version.", "16"),
    _E("conversion rate", "转化率", "The share of users who take the desired action, e.g. buy.", "16"),
    _E(
        "two-proportion z-test",
        "双比例 z 检验",
        "A test of whether two groups' rates differ, using the normal approximation.",
        "16",
    ),
    _E(
        "confidence interval",
        "置信区间",
        "A range computed from data that covers the true value in a stated share (e.g. 95%) of repetitions.",
        "16",
    ),
    _E(
        "statistical power",
        "统计功效",
        "The probability that a test detects an effect of a given size when it is there.",
        "16",
    ),
    _E("sample size", "样本量", "The number of observations, e.g. users per arm of an A/B test.", "16"),
    _E(
        "peeking",
        "偷看",
        "Checking an A/B test repeatedly and stopping at the first significant result, which inflates false wins.",
        "16",
    ),
    _E("fixed-horizon test", "固定样本量检验", "A test analysed once, at a sample size fixed in advance.", "16"),
    _E("sequential test", "序贯检验", "A test built for repeated looks, with stricter thresholds early.", "16"),
    # 14 Case: diagnosis
    _E("diagnosis", "诊断", "Deciding which disease, if any, explains a patient's findings.", "14"),
    _E("decision support", "辅助决策", "A model that informs a clinician's decision rather than making it.", "14"),
    _E("malignant", "恶性", "Of a tumour: cancerous, able to invade and spread.", "14"),
    _E("benign", "良性", "Of a tumour: not cancerous.", "14"),
    _E("logit", "对数几率", "One entry of the logits: log(p / (1 − p)) for a binary model.", "05"),
    _E("false negative", "假阴性", "A positive case predicted negative; in diagnosis, a missed disease.", "02"),
    _E("false positive", "假阳性", "A negative case predicted positive; in diagnosis, a false alarm.", "02"),
    _E(
        "repeated stratified k-fold cross-validation",
        "重复分层 K 折交叉验证",
        "Stratified k-fold cross-validation run several times with different shuffles, to average out the split.",
        "14",
    ),
    _E(
        "out-of-fold prediction",
        "折外预测",
        "A prediction for an example from the cross-validation model that did not train on it.",
        "14",
    ),
    _E("decision threshold", "决策阈值", "The probability above which a classifier predicts the positive class.", "14"),
    _E(
        "calibration",
        "校准",
        "Agreement between predicted probabilities and observed frequencies: of cases given 0.8, 80% positive.",
        "14",
    ),
    _E(
        "reliability diagram",
        "可靠性图",
        "Observed frequency against predicted probability, in bins; a calibrated model lies on the diagonal.",
        "14",
    ),
    _E(
        "Brier score",
        "布里尔分数",
        "The mean squared difference between predicted probabilities and 0/1 outcomes.",
        "14",
    ),
    _E(
        "input-gradient saliency",
        "输入梯度显著性",
        "The gradient of a model's output with respect to its input, read as each feature's influence.",
        "14",
    ),
    _E("Spearman rank correlation", "斯皮尔曼等级相关", "The correlation between the ranks of two variables.", "14"),
    _E(
        "distribution shift",
        "分布偏移",
        "Data at deployment that differ from the training data, e.g. another hospital's measurements.",
        "14",
    ),
    # 17 Efficiency and scale
    _E(
        "mixed precision",
        "混合精度",
        "Computing in 16-bit floats where safe and keeping 32-bit master weights, for speed on hardware built for it.",
        "17",
    ),
    _E("machine epsilon", "机器精度", "The gap between 1 and the next representable number of a float format.", "17"),
    _E(
        "float16",
        "半精度浮点",
        "The IEEE 16-bit float: 10 fraction bits, 5 exponent bits; smallest positive value about 6e-8.",
        "17",
    ),
    _E("bfloat16", "脑浮点", "A 16-bit float with float32's 8 exponent bits and only 7 fraction bits.", "17"),
    _E(
        "loss scaling",
        "损失缩放",
        "Multiplying the loss by S before the backward pass and the gradients by 1/S after, so small "
        "gradients survive float16.",
        "17",
    ),
    _E("tensor core", "张量核心", "A GPU unit that multiplies small 16-bit (or 8-bit) matrices very fast.", "17"),
    _E("magnitude pruning", "幅值剪枝", "Setting the weights of smallest absolute value to zero.", "17"),
    _E("sparsity", "稀疏度", "The share of zeros in a weight matrix.", "17"),
    _E(
        "global / per-layer pruning",
        "全局 / 逐层剪枝",
        "Pruning the smallest weights of the whole network at once, or the same share in every layer.",
        "17",
    ),
    _E(
        "fine-tuning",
        "微调",
        "Continuing to train a trained model, on new data or after a change such as pruning.",
        "17",
    ),
    _E(
        "compressed sparse row (CSR)",
        "压缩稀疏行",
        "A sparse-matrix format storing each non-zero's value and column, plus where each row starts.",
        "17",
    ),
    _E(
        "quantisation",
        "量化",
        "Storing numbers with fewer bits, e.g. weights as int8 with a scale and zero point.",
        "17",
    ),
    _E(
        "scale",
        "缩放因子",
        "In quantisation, the step between neighbouring integer codes: x ≈ scale · (q − zero point).",
        "17",
    ),
    _E("zero point", "零点", "In quantisation, the integer code that represents the real value 0.", "17"),
    _E("per-tensor", "逐张量", "Quantisation with one scale for a whole tensor.", "17"),
    _E("per-channel", "逐通道", "Quantisation with one scale per output channel (column) of a weight matrix.", "17"),
    _E(
        "data parallelism",
        "数据并行",
        "Training copies of a model on different parts of each batch and averaging their gradients.",
        "17",
    ),
    _E("replica", "副本", "One device's copy of the model in data-parallel training.", "17"),
    _E("global batch size", "全局批量大小", "The batch size summed over all replicas.", "17"),
    _E(
        "all-reduce",
        "全归约",
        "A collective operation that sums arrays across devices and gives every device the result.",
        "17",
    ),
    _E(
        "ring all-reduce",
        "环形全归约",
        "An all-reduce passing chunks around a ring: each device sends about 2(N − 1)/N times the array's bytes.",
        "17",
    ),
    _E("speed-up", "加速比", "Time on one device divided by time on N devices.", "17"),
    _E("device-hours", "设备时长", "Devices × hours: what a cloud bill counts.", "17"),
    # 18 Privacy and trust
    _E(
        "quasi-identifier",
        "准标识符",
        "Attributes such as postcode, birth date and sex that together can single a person out.",
        "18",
    ),
    _E("re-identification", "重识别", "Linking an 'anonymous' record back to a person.", "18"),
    _E(
        "linkage attack",
        "链接攻击",
        "Re-identifying records by joining them with another data set on quasi-identifiers.",
        "18",
    ),
    _E(
        "k-anonymity",
        "k-匿名",
        "Every combination of quasi-identifiers in a release is shared by at least k records.",
        "18",
    ),
    _E(
        "equivalence class",
        "等价类",
        "The records that share the same quasi-identifier values in a k-anonymous release.",
        "18",
    ),
    _E("suppression", "抑制", "Removing records or values from a release to reach k-anonymity.", "18"),
    _E(
        "homogeneity attack",
        "同质性攻击",
        "Learning a sensitive value because everyone in a k-anonymous group shares it.",
        "18",
    ),
    _E(
        "differencing attack",
        "差分攻击",
        "Learning one person's value by comparing two aggregate answers that differ only by that person.",
        "18",
    ),
    _E(
        "differential privacy",
        "差分隐私",
        "A guarantee that any one person's data changes the distribution of a result by at most a factor e^ε.",
        "18",
    ),
    _E(
        "privacy budget ε",
        "隐私预算 ε",
        "The ε of differential privacy: smaller means more privacy and more noise.",
        "18",
    ),
    _E("sensitivity", "敏感度", "The most one person's data can change a query's answer.", "18"),
    _E(
        "Laplace mechanism",
        "拉普拉斯机制",
        "Adding Laplace noise of scale sensitivity/ε to an answer, which makes it ε-differentially private.",
        "18",
    ),
    _E("composition", "组合", "Privacy losses add up over repeated queries: k answers at ε each cost up to kε.", "18"),
    _E(
        "DP-SGD",
        "差分隐私随机梯度下降",
        "SGD with each example's gradient clipped and Gaussian noise added, for differentially private training.",
        "18",
    ),
    _E(
        "per-example gradient clipping",
        "逐样本梯度裁剪",
        "Scaling each example's gradient down to a maximum norm C, which bounds its influence.",
        "18",
    ),
    _E("noise multiplier", "噪声乘数", "The noise standard deviation of DP-SGD divided by the clipping norm C.", "18"),
    _E(
        "Poisson sampling",
        "泊松采样",
        "Putting each example in a batch independently with probability q, as DP-SGD's privacy analysis assumes.",
        "18",
    ),
    _E(
        "Rényi DP accountant",
        "Rényi 差分隐私会计",
        "A method that tracks the privacy loss of many DP-SGD steps through Rényi divergences.",
        "18",
    ),
    _E(
        "privacy–utility trade-off",
        "隐私–效用权衡",
        "More privacy (smaller ε) costs accuracy; the trade-off is measured, not assumed.",
        "18",
    ),
    _E(
        "permutation importance",
        "置换重要性",
        "How much a model's score drops when one feature's values are shuffled.",
        "18",
    ),
    _E(
        "integrated gradients",
        "积分梯度",
        "An attribution that integrates the gradient along a path from a baseline input to the input.",
        "18",
    ),
    _E(
        "completeness axiom",
        "完备性公理",
        "Integrated gradients' attributions sum to the output minus the baseline's output.",
        "18",
    ),
    _E(
        "proxy variable",
        "代理变量",
        "A feature that stands in for a sensitive one, e.g. a postcode for ethnicity.",
        "18",
    ),
    # 19 Errata
    _E("errata", "勘误", "A list of errors found in a published text, each with its correction.", "19"),
    _E("worked example", "算例", "A calculation carried out with concrete numbers to illustrate a formula.", "19"),
    _E(
        "sign of the gradient",
        "梯度的符号",
        "Whether a gradient points uphill (it does): descent steps against it, θ − η∇L.",
        "19",
    ),
    _E(
        "shape trace",
        "形状追踪",
        "Following an array's shape through every layer to check that the layers fit together.",
        "19",
    ),
    # Glossary
    _E("glossary", "术语表", "This list of the course's terms, in English and Chinese.", "—"),
)
"""Every term of the course, once. Add a term here when a chapter's key-terms table introduces it."""


def entries() -> tuple[Entry, ...]:
    """Every glossary entry, in the order of :data:`GLOSSARY` (roughly by chapter).

    >>> any(e.english == "cross-entropy" and e.chinese == "交叉熵" for e in entries())
    True
    """
    return GLOSSARY


def normalise(english: str) -> str:
    """The key under which an English term is compared: case, hyphens, spelling and additions ignored.

    Parenthesised additions are dropped ("mean squared error (MSE)" → "mean squared error"),
    "-ization" is spelt "-isation", and hyphens and spaces vanish, so "mini-batch", "minibatch"
    and "mini batch" are one term.

    >>> normalise("Layer normalization (post-LN, pre-LN)") == normalise("layer normalisation")
    True
    >>> normalise("cross-entropy") == normalise("Cross entropy")
    True
    """
    if not isinstance(english, str):
        raise TypeError(f"`english` must be a string, got {type(english).__name__}: {english!r}.")
    text = re.sub(r"\s*[(（][^)）]*[)）]", "", english).lower().replace("ization", "isation")
    return re.sub(r"[\s\-‐]+", "", text)


def _normalise_chinese(chinese: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\s*[(（][^)）]*[)）]", "", chinese)).strip()


def _index() -> dict[str, Entry]:
    return {normalise(e.english): e for e in GLOSSARY}


def lookup(term: str) -> Entry:
    """Find a term by its English or its Chinese name.

    Parameters
    ----------
    term:
        An English term (compared after :func:`normalise`) or a Chinese one (exact, parenthesised
        additions ignored).

    Raises
    ------
    KeyError
        If the term is not in the glossary; the message suggests close matches.

    >>> lookup("Cross-Entropy").chinese
    '交叉熵'
    >>> lookup("交叉熵").english
    'cross-entropy'
    """
    if not isinstance(term, str) or not term.strip():
        raise TypeError(f"`term` must be a non-empty string, e.g. lookup('cross-entropy'); got {term!r}.")
    by_english = _index()
    key = normalise(term)
    if key in by_english:
        return by_english[key]
    chinese = _normalise_chinese(term)
    for e in GLOSSARY:
        if _normalise_chinese(e.chinese) == chinese:
            return e
    close = difflib.get_close_matches(key, list(by_english), n=3, cutoff=0.6)
    hint = f" Close matches: {', '.join(by_english[c].english for c in close)}." if close else ""
    raise KeyError(
        f"{term!r} is not in the glossary.{hint} python -m helpers.glossary --missing lists what is missing."
    )


def _top_split(text: str, separators: Sequence[str]) -> list[str]:
    """Split ``text`` at ``separators`` outside parentheses."""
    parts, current, depth, i = [], "", 0, 0
    while i < len(text):
        char = text[i]
        depth += char in "(（"
        depth -= char in ")）"
        separator = next((s for s in separators if depth == 0 and text.startswith(s, i)), None)
        if separator:
            parts.append(current.strip())
            current, i = "", i + len(separator)
            continue
        current += char
        i += 1
    parts.append(current.strip())
    return [p for p in parts if p]


def split_terms(english: str, chinese: str) -> list[tuple[str, str]]:
    """The terms one key-terms row names: pairs of parts when both sides list as many, else the row.

    English parts are separated by ", " or " / ", Chinese ones by "，", "、", ", " or " / " (outside
    parentheses). When the counts differ, or a Chinese part has no Chinese character, the row is
    one term.

    >>> split_terms("weight, bias", "权重，偏置")
    [('weight', '权重'), ('bias', '偏置')]
    >>> split_terms("information content, surprise", "信息量")
    [('information content, surprise', '信息量')]
    """
    en = _top_split(english, [", ", " / "])
    zh = _top_split(chinese, ["，", "、", " / ", ", "])
    if len(en) == len(zh) > 1 and all(_CJK.search(z) for z in zh):
        return list(zip(en, zh, strict=True))
    return [(english.strip(), chinese.strip())]


def key_terms(notebook_path: str | Path) -> list[tuple[str, str]]:
    """The (english, chinese) rows of a notebook's "Key terms (本章术语)" table, as written.

    Parameters
    ----------
    notebook_path:
        A ``.ipynb`` file.

    Returns
    -------
    list of (str, str)
        One pair per table row (the header and the rule excluded); empty if the notebook has
        no such table.
    """
    path = Path(notebook_path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"`notebook_path` must be an existing .ipynb file, got {str(path)!r}.")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    rows: list[tuple[str, str]] = []
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "markdown" or KEY_TERMS_HEADING not in source:
            continue
        table = source[source.index(KEY_TERMS_HEADING) :].splitlines()[1:]
        for line in table:
            if not line.strip().startswith("|"):
                if rows:
                    break
                continue
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cols) < 2 or set(cols[0]) <= set("-: ") or cols[0].lower() == "english":
                continue
            rows.append((cols[0], cols[1]))
    return rows


def _matches(english: str, chinese: str, index: dict[str, Entry]) -> str | None:
    """``None`` if the pair agrees with the glossary, else what is wrong."""
    entry = index.get(normalise(english))
    if entry is None:
        return "missing from the glossary"
    if _normalise_chinese(entry.chinese) != _normalise_chinese(chinese):
        return f"the glossary says {entry.chinese!r} (chapter {entry.chapter})"
    return None


def missing(notebooks: Iterable[str | Path] | None = None) -> list[str]:
    """Every key term of ``notebooks`` (default: all) that is not in the glossary with the same 中文.

    A row matches if the whole row is an entry, or else if each of the terms :func:`split_terms`
    finds in it is.

    Returns
    -------
    list of str
        Lines ``"NN_name.ipynb: english | chinese: what is wrong"``; empty when all agree.
    """
    paths = sorted(_NOTEBOOKS.glob("*.ipynb")) if notebooks is None else [Path(p) for p in notebooks]
    index = _index()
    problems = []
    for path in paths:
        for english, chinese in key_terms(path):
            if _matches(english, chinese, index) is None:
                continue
            for part_en, part_zh in split_terms(english, chinese):
                wrong = _matches(part_en, part_zh, index)
                if wrong:
                    problems.append(f"{path.name}: {part_en} | {part_zh}: {wrong}")
    return problems


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.glossary", description=__doc__.split("\n")[0])
    parser.add_argument("--missing", action="store_true", help="list key terms of the notebooks not in the glossary")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to check (default: all)")
    args = parser.parse_args(argv)
    if args.missing:
        problems = missing(args.notebooks or None)
        for line in problems:
            print(line)
        print(f"{len(problems)} key terms missing or different", file=sys.stderr)
        return 1 if problems else 0
    for e in GLOSSARY:
        print(f"{e.english} | {e.chinese} | {e.chapter} | {e.definition}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
