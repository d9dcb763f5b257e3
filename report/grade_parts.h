// Pieces of the grade report that every format renders the same way (report/grade_render.cc
// defines them; grade_html.cc uses them too). Internal to the report part.
#ifndef MBENCH_REPORT_GRADE_PARTS_H_
#define MBENCH_REPORT_GRADE_PARTS_H_

#include <string>

#include "report/grade.h"

namespace mbench::report::grade_parts {

std::string Fmt(const char* format, double v);
// Milliseconds with three significant digits: 0.123, 1.23, 12.3, 123.
std::string Ms(double ms);
// Battery hours: "8.0", "98", ">999", "n/a".
std::string Hours(double h);
// Energy per inference in mJ, "n/a" without a sourced power figure.
std::string Energy(const estimator::Prediction& p);
// "cpu ncnn fp32 4t", "cpu ncnn fp32 4t-little", "gpu ncnn fp16".
std::string Setup(const estimator::Prediction& p);
// The `count` heaviest kernels with their share: "conv19 5%, conv0 4%".
std::string Heaviest(const estimator::Prediction& p, size_t count, size_t name_width);
// "image 1x3x224x224 float32, ..." or "none".
std::string Inputs(const analyzer::Graph& g);
// "onnx, 13.3 MiB, sha256 1a2b..." or, for a zoo model (no file), its weights at fp32.
std::string ModelLine(const GradeReport& r);
// "supported" or "not supported: LSTM, If".
std::string Compat(const CompatibilityRow& c);
// "300.77 M MACs, 627.4 MFLOPs, 3.50 M params (13.50 MiB), peak activations 9.19 MiB".
std::string Summary(const GradeReport& r);
// The bytes an app ships for the model: the file, or a zoo model's fp32 weights.
int64_t ShippedBytes(const GradeReport& r);
// "runs on 8 of 8 runtimes; 13.5 MiB, under the 200 MB cellular download limit".
std::string Verdict(const GradeReport& r);
// The prediction the summary quotes: the newest device that was predicted (the first row).
const GradePrediction* Reference(const GradeReport& r);
// `s` with &, <, >, " and ' escaped for HTML text and attributes.
std::string Html(const std::string& s);

// The report as one self-contained HTML page (grade_html.cc).
std::string RenderGradeHtml(const GradeReport& r);

}  // namespace mbench::report::grade_parts

#endif  // MBENCH_REPORT_GRADE_PARTS_H_
