// Wasm -> C. See translate.h and docs/engine.md ("Translation").
//
// Shape of the output:
//   module.h   prelude, signature strings, multi-value structs, the instance
//              struct, prototypes of every function.
//   unit0.c    the descriptor, init/destroy, invoke wrappers, host thunks,
//              data and element segments.
//   unitN.c    function bodies, split so each unit is about
//              unit_target_bytes; units compile in parallel. A function
//              over huge_function_bytes gets a unit of its own, compiled
//              without optimisation (see CSource::huge).
//
// Each Wasm value-stack slot becomes a C local named by its depth and type
// (`s3i` is an i32 at depth 3). Values never move on fallthrough, so blocks
// need copies only on branches. Control flow becomes gotos to labels.
//
// The input tree is walked with an explicit stack, never recursively, so
// nesting depth costs memory, not native stack.
#include "sandbox/translate/translate.h"

#include <pthread.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "sandbox/ingest/features.h"
#include "sandbox/translate/simd.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/cast.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/validator.h"

namespace airlock::sandbox {

extern const char kEmbeddedAirlockRtHeader[];
extern const char kEmbeddedAirlockOpsHeader[];

std::string_view AirlockRtHeader() { return kEmbeddedAirlockRtHeader; }

namespace {

using translate_internal::IsSimdOpcode;
using wabt::Expr;
using wabt::ExprList;
using wabt::ExprType;
using wabt::Index;
using wabt::Opcode;
using wabt::Type;

// Fuel costs. One unit per instruction; bulk operations also pay per byte
// (or element) moved, and memory.grow per page, so a guest cannot buy large
// amounts of host work for one unit. See docs/engine.md ("Fuel").
constexpr int kBulkBytesPerFuel = 64;
constexpr int kGrowFuelPerPage = 1024;

// Below this estimated frame size a function checks only its frame address
// against the stack limit: the limit keeps 128 KiB free (kStackMargin in
// sandbox/runtime/call_scope.cc), plenty for such a frame.
constexpr uint64_t kSmallFrameBytes = 16 * 1024;

char TypeLetter(Type t) {
  switch (t) {
    case Type::I32:
      return 'i';
    case Type::I64:
      return 'I';
    case Type::F32:
      return 'f';
    case Type::F64:
      return 'F';
    case Type::V128:
      return 'v';
    case Type::FuncRef:
      return 'r';
    case Type::ExternRef:
      return 'e';
    default:
      return '?';
  }
}

// Native bytes of a value of a slot type letter (see TypeLetter), as the
// generated C declares it (airlock_ref is three pointers).
uint64_t SlotBytes(char letter) {
  switch (letter) {
    case 'i':
    case 'f':
      return 4;
    case 'I':
    case 'F':
      return 8;
    case 'v':
      return 16;
    default:
      return 24;
  }
}
uint64_t ValueBytes(Type t) { return SlotBytes(TypeLetter(t)); }

const char* CType(Type t) {
  switch (t) {
    case Type::I32:
      return "u32";
    case Type::I64:
      return "u64";
    case Type::F32:
      return "f32";
    case Type::F64:
      return "f64";
    case Type::V128:
      return "simde_v128_t";
    case Type::FuncRef:
    case Type::ExternRef:
      return "airlock_ref";
    default:
      return "void";
  }
}

// The airlock_value member holding a value of type t.
const char* ValueMember(Type t) {
  switch (t) {
    case Type::I32:
      return "i32";
    case Type::I64:
      return "i64";
    case Type::F32:
      return "f32";
    case Type::F64:
      return "f64";
    case Type::V128:
      return "v128";
    default:
      return "ref";
  }
}

std::string SigString(const wabt::FuncSignature& sig) {
  std::string s;
  for (Type t : sig.param_types) s += TypeLetter(t);
  s += '>';
  for (Type t : sig.result_types) s += TypeLetter(t);
  return s;
}

std::string ResultLetters(const wabt::TypeVector& results) {
  std::string s;
  for (Type t : results) s += TypeLetter(t);
  return s;
}

// C return type for a result list.
std::string RetType(const wabt::TypeVector& results) {
  if (results.empty()) return "void";
  if (results.size() == 1) return CType(results[0]);
  return "mv_" + ResultLetters(results);
}

std::string F32Const(uint32_t bits) {
  return absl::StrFormat("al_f32_bits(0x%08xu)", bits);
}
std::string F64Const(uint64_t bits) {
  return absl::StrFormat("al_f64_bits(0x%016" PRIx64 "ull)", bits);
}

// ---------------------------------------------------------------------------
// Reading, validating, feature checks.

// Post-2.0 features and invalid modules libwabt lets through, as an error
// (sandbox/ingest/features.h).
absl::Status CheckSupported(const wabt::Module& m) {
  std::optional<FeatureProblem> p = CheckFeatures(m);
  if (!p) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      p->kind == FeatureProblem::Kind::kUnsupported ? "unsupported feature: "
                                                    : "invalid module: ",
      p->message));
}

absl::StatusOr<std::unique_ptr<wabt::Module>> ReadModule(
    std::span<const uint8_t> wasm) {
  if (wasm.size() < 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a WebAssembly module: ", wasm.size(),
                     " bytes is shorter than the 8-byte header"));
  }
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (memcmp(wasm.data(), kMagic, 4) != 0) {
    return absl::InvalidArgumentError(
        "not a WebAssembly module: bad magic number (expected \\0asm)");
  }
  auto read = [&wasm](const wabt::Features& features, wabt::Errors* errors,
                      wabt::Module* module) {
    wabt::ReadBinaryOptions options(features, nullptr,
                                    /*read_debug_names=*/false,
                                    /*stop_on_first_error=*/true,
                                    // Custom section framing errors (bad
                                    // name, size past the end) are
                                    // malformed modules per the spec.
                                    /*fail_on_custom_section_error=*/true);
    return wabt::ReadBinaryIr("module.wasm", wasm.data(), wasm.size(), options,
                              errors, module);
  };
  auto first_error = [](const wabt::Errors& errors, const char* prefix) {
    std::string msg(prefix);
    for (const wabt::Error& e : errors) {
      if (e.error_level == wabt::ErrorLevel::Error) {
        absl::StrAppend(&msg, ": ", e.message);
        if (e.loc.offset != wabt::kInvalidOffset) {
          absl::StrAppendFormat(&msg, " (at byte offset 0x%x)", e.loc.offset);
        }
        break;
      }
    }
    return msg;
  };
  auto module = std::make_unique<wabt::Module>();
  wabt::Errors errors;
  if (wabt::Failed(read(Wasm2Features(), &errors, module.get()))) {
    // Does it decode as a post-2.0 module? Then say which proposal.
    wabt::Module extended;
    wabt::Errors ignored;
    if (wabt::Succeeded(read(ExtendedFeatures(), &ignored, &extended))) {
      if (absl::Status s = CheckSupported(extended); !s.ok()) return s;
    }
    return absl::InvalidArgumentError(first_error(errors, "malformed module"));
  }
  if (absl::Status s = CheckSupported(*module); !s.ok()) return s;
  wabt::ValidateOptions vopts(Wasm2Features());
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, vopts))) {
    return absl::InvalidArgumentError(first_error(errors, "invalid module"));
  }
  return module;
}

// ---------------------------------------------------------------------------
// Module-wide facts the function writer needs.

struct ModuleModel {
  const wabt::Module* m;
  // Signature strings -> index of their C symbol (al_sigN).
  std::map<std::string, int> sigs;
  std::set<std::string> multi_results;  // result letter strings, size >= 2
  bool uses_simd = false;
  bool fuel = true;
  size_t huge_function_bytes = SIZE_MAX;  // TranslateOptions

  int SigId(const std::string& s) {
    auto [it, inserted] = sigs.emplace(s, static_cast<int>(sigs.size()));
    return it->second;
  }
  void NoteResults(const wabt::TypeVector& r) {
    if (r.size() >= 2) multi_results.insert(ResultLetters(r));
  }
  const wabt::Func& Func(Index i) const { return *m->funcs[i]; }
  bool FuncIsImport(Index i) const { return i < m->num_func_imports; }
  bool GlobalIsImport(Index i) const { return i < m->num_global_imports; }
  bool TableIsImport(Index i) const { return i < m->num_table_imports; }
  bool MemoryIsImport(Index i) const { return i < m->num_memory_imports; }
};

const wabt::FuncSignature& BlockSig(const wabt::Module& m,
                                    const wabt::BlockDeclaration& d) {
  if (d.has_func_type) {
    const wabt::FuncType* ft = m.GetFuncType(d.type_var);
    if (ft) return ft->sig;
  }
  return d.sig;
}

// A global as a C lvalue.
std::string GlobalRef(const ModuleModel& mm, Index i) {
  return mm.GlobalIsImport(i) ? absl::StrCat("(*inst->g", i, ")")
                              : absl::StrCat("inst->g", i);
}

std::string FuncRefValue(const ModuleModel& mm, ModuleModel* mut, Index f) {
  if (mm.FuncIsImport(f)) return absl::StrCat("inst->fimp", f);
  int sig = mut->SigId(SigString(mm.Func(f).decl.sig));
  return absl::StrCat("((airlock_ref){al_sig", sig, ", (void (*)(void))wf", f,
                      ", inst})");
}

// A C expression for a constant instruction (initializers, segments).
std::string ConstExprC(ModuleModel* mm, const ExprList& list, Type type) {
  if (list.empty())
    return type == Type::FuncRef || type == Type::ExternRef
               ? "((airlock_ref){0, 0, 0})"
               : "0";
  const Expr& e = list.front();
  switch (e.type()) {
    case ExprType::Const: {
      const wabt::Const& c = wabt::cast<wabt::ConstExpr>(&e)->const_;
      switch (c.type()) {
        case Type::I32:
          return absl::StrCat(c.u32(), "u");
        case Type::I64:
          return absl::StrCat(c.u64(), "ull");
        case Type::F32:
          return F32Const(c.f32_bits());
        case Type::F64:
          return F64Const(c.f64_bits());
        case Type::V128: {
          uint8_t bytes[16];
          ::v128 v = c.vec128();
          memcpy(bytes, &v, 16);
          mm->uses_simd = true;
          return translate_internal::SimdConst(bytes);
        }
        default:
          return "0";
      }
    }
    case ExprType::GlobalGet:
      return GlobalRef(
          *mm, mm->m->GetGlobalIndex(wabt::cast<wabt::GlobalGetExpr>(&e)->var));
    case ExprType::RefNull:
      return "((airlock_ref){0, 0, 0})";
    case ExprType::RefFunc:
      return FuncRefValue(
          *mm, mm, mm->m->GetFuncIndex(wabt::cast<wabt::RefFuncExpr>(&e)->var));
    default:
      return "0";
  }
}

// ---------------------------------------------------------------------------
// One function body.

class FunctionWriter {
 public:
  FunctionWriter(ModuleModel* mm, Index func_index)
      : mm_(mm), m_(*mm->m), func_(mm->Func(func_index)), index_(func_index) {}

  absl::StatusOr<std::string> Write();
  // After Write: the body is over huge_function_bytes, so it goes into a
  // unit of its own compiled without optimisation (CSource::huge).
  bool huge() const { return huge_; }

 private:
  enum class Kind { kFunc, kBlock, kLoop, kIfThen, kIfElse };
  struct Frame {
    Frame(Kind k, ExprList::const_iterator b, ExprList::const_iterator e)
        : kind(k), it(b), end(e) {}
    Kind kind;
    ExprList::const_iterator it, end;
    const wabt::IfExpr* if_expr = nullptr;
    int label = 0;
    size_t base = 0;  // stack height below the block's params
    wabt::TypeVector params, results;
    bool label_used = false;
    bool then_reachable = false;  // kIfElse: whether the then arm fell through
  };

  // Stack slots.
  std::string Slot(size_t depth, Type t) {
    vars_.emplace(depth, TypeLetter(t));
    return absl::StrCat("s", depth, std::string(1, TypeLetter(t)));
  }
  std::string Push(Type t) {
    std::string s = Slot(stack_.size(), t);
    stack_.push_back(t);
    return s;
  }
  std::string Pop() {
    if (stack_.empty()) {
      // Validation rules this out; remember it and fail the translation.
      if (underflow_offset_ == 0) underflow_offset_ = offset_ + 1;
      return "0";
    }
    Type t = stack_.back();
    stack_.pop_back();
    return Slot(stack_.size(), t);
  }
  std::string Top(size_t from_top = 0) {
    size_t d = stack_.size() - 1 - from_top;
    return Slot(d, stack_[d]);
  }
  void Line(absl::string_view s) { absl::StrAppend(&body_, s, "\n"); }

  void Charge(int64_t n) { pending_fuel_ += n; }
  void FlushFuel() {
    if (mm_->fuel && pending_fuel_ > 0) {
      absl::StrAppend(&body_, "fuel -= ", pending_fuel_, ";\n");
    }
    pending_fuel_ = 0;
  }
  void SaveFuel() {
    if (mm_->fuel) Line("inst->hdr.fuel = fuel;");
  }
  void LoadFuel() {
    if (mm_->fuel) Line("fuel = inst->hdr.fuel;");
  }
  // Check at function entry, loop headers and after charging for bulk work
  // (bulk memory and table operations, growing): fuel, interrupt.
  void Check() {
    if (mm_->fuel) {
      Line(
          "if (AL_UNLIKELY((fuel < 0) | __atomic_load_n(&inst->hdr.interrupt, "
          "__ATOMIC_RELAXED))) { inst->hdr.fuel = fuel; "
          "airlock_rt_poll(&inst->hdr, fuel); }");
    } else {
      Line(
          "if (AL_UNLIKELY(__atomic_load_n(&inst->hdr.interrupt, "
          "__ATOMIC_RELAXED))) airlock_rt_poll(&inst->hdr, 0);");
    }
  }

  // Copies the top `n` values into the slots of a branch target at `base`.
  void CopyForBranch(size_t base, const wabt::TypeVector& types) {
    size_t n = types.size();
    size_t from = stack_.size() - n;
    if (from == base) return;
    for (size_t i = 0; i < n; ++i) {
      absl::StrAppend(&body_, Slot(base + i, types[i]), " = ",
                      Slot(from + i, types[i]), "; ");
    }
  }
  // Emits a branch to the frame `depth` levels out (no condition).
  void Branch(Index depth) {
    Frame& f = frames_[frames_.size() - 1 - depth];
    if (f.kind == Kind::kFunc) {
      EmitReturn();
      return;
    }
    const wabt::TypeVector& types =
        f.kind == Kind::kLoop ? f.params : f.results;
    CopyForBranch(f.base, types);
    f.label_used = true;
    absl::StrAppend(&body_, "goto L", f.label, ";\n");
  }
  void EmitReturn() {
    const wabt::TypeVector& results = func_.decl.sig.result_types;
    SaveFuel();
    size_t n = results.size();
    size_t from = stack_.size() - n;
    if (n == 0) {
      Line("return;");
    } else if (n == 1) {
      Line(absl::StrCat("return ", Slot(from, results[0]), ";"));
    } else {
      std::string s = absl::StrCat("{ ", RetType(results), " r_; ");
      for (size_t i = 0; i < n; ++i) {
        absl::StrAppend(&s, "r_.v", i, " = ", Slot(from + i, results[i]), "; ");
      }
      absl::StrAppend(&s, "return r_; }");
      Line(s);
    }
  }

  void PushFrame(Kind kind, const ExprList& list,
                 const wabt::FuncSignature& sig) {
    Frame f(kind, list.begin(), list.end());
    f.label = next_label_++;
    f.params = sig.param_types;
    f.results = sig.result_types;
    f.base = stack_.size() - sig.param_types.size();
    mm_->NoteResults(sig.result_types);
    frames_.push_back(std::move(f));
  }
  // Resets the stack to `base` + `types` (at a block end or else).
  void ResetStack(size_t base, const wabt::TypeVector& types) {
    stack_.resize(base);
    for (Type t : types) Push(t);
  }

  absl::Status EmitExpr(const Expr& e);
  absl::Status EmitCall(const wabt::FuncSignature& sig,
                        const std::string& callee, const std::string& ctx);
  // n: operand count (from the expression kind: opcode.def's parameter
  // types are not reliable for it, e.g. f64.neg lists two).
  absl::Status EmitNumeric(Opcode op, int n);
  absl::Status EmitSimd(const Expr& e);
  std::string Addr(const std::string& index, uint64_t offset) {
    uses_mem_ = true;
    return absl::StrCat("(mem + (u64)", index, " + ", offset, "ull)");
  }
  std::string Mem() { return "inst->mem0"; }
  std::string Table(const wabt::Var& v) {
    return absl::StrCat("inst->t", m_.GetTableIndex(v));
  }

  ModuleModel* mm_;
  const wabt::Module& m_;
  const wabt::Func& func_;
  Index index_;
  std::string body_;
  std::vector<Type> stack_;
  std::set<std::pair<size_t, char>> vars_;
  std::vector<Frame> frames_;
  int next_label_ = 0;
  int64_t pending_fuel_ = 0;
  bool huge_ = false;  // over huge_function_bytes: compiled at -O0
  bool unreachable_ = false;
  bool uses_mem_ = false;
  size_t offset_ = 0;  // byte offset of the instruction being translated
  size_t underflow_offset_ = 0;  // 1 + offset of a stack underflow, if any
};

absl::StatusOr<std::string> FunctionWriter::Write() {
  const wabt::FuncSignature& sig = func_.decl.sig;
  Index nparams = func_.GetNumParams();

  // The root frame: branching to it returns.
  Frame root(Kind::kFunc, func_.exprs.begin(), func_.exprs.end());
  root.results = sig.result_types;
  root.base = 0;
  frames_.push_back(std::move(root));
  Charge(1);

  while (!frames_.empty()) {
    Frame& f = frames_.back();
    if (!unreachable_ && f.it != f.end) {
      const Expr& e = *f.it;
      ++f.it;
      if (absl::Status s = EmitExpr(e); !s.ok()) return s;
      if (underflow_offset_ != 0) {
        return absl::InternalError(absl::StrFormat(
            "translator stack underflow in function %d at offset 0x%x", index_,
            underflow_offset_ - 1));
      }
      continue;
    }
    // End of the current list.
    bool fallthrough = !unreachable_;
    // Validation guarantees this; a mismatch is a translator bug.
    if (fallthrough &&
        stack_.size() !=
            f.base + (f.kind == Kind::kIfThen || f.kind == Kind::kIfElse ||
                              f.kind == Kind::kBlock || f.kind == Kind::kLoop ||
                              f.kind == Kind::kFunc
                          ? f.results.size()
                          : 0)) {
      return absl::InternalError(absl::StrCat(
          "translator stack mismatch in function ", index_, " (frame kind ",
          static_cast<int>(f.kind), ", label ", f.label, "): height ",
          stack_.size(), ", expected ", f.base, " + ", f.results.size()));
    }
    FlushFuel();
    switch (f.kind) {
      case Kind::kFunc: {
        if (fallthrough) EmitReturn();
        frames_.pop_back();
        break;
      }
      case Kind::kBlock: {
        if (f.label_used) absl::StrAppend(&body_, "L", f.label, ":;\n");
        unreachable_ = !(fallthrough || f.label_used);
        size_t base = f.base;
        wabt::TypeVector results = f.results;
        frames_.pop_back();
        ResetStack(base, results);
        break;
      }
      case Kind::kLoop: {
        unreachable_ = !fallthrough;
        size_t base = f.base;
        wabt::TypeVector results = f.results;
        frames_.pop_back();
        ResetStack(base, results);
        Line("}");
        break;
      }
      case Kind::kIfThen: {
        Line("} else {");
        f.kind = Kind::kIfElse;
        f.then_reachable = fallthrough;
        f.it = f.if_expr->false_.begin();
        f.end = f.if_expr->false_.end();
        unreachable_ = false;
        ResetStack(f.base, f.params);
        break;
      }
      case Kind::kIfElse: {
        Line("}");
        if (f.label_used) absl::StrAppend(&body_, "L", f.label, ":;\n");
        unreachable_ = !(fallthrough || f.then_reachable || f.label_used);
        size_t base = f.base;
        wabt::TypeVector results = f.results;
        frames_.pop_back();
        ResetStack(base, results);
        break;
      }
    }
  }

  // The stack check. The frame address is the top of the frame; the
  // prologue has already moved the stack pointer below all of it without
  // touching it (at -O1 and above), and the check comes before the
  // declarations, so nothing is written to the frame before it. For a big
  // frame the check asks for room for the whole frame (an upper estimate:
  // twice the bytes of its locals and slots) above the limit, which itself
  // keeps kStackMargin free for host calls below: a frame bigger than the
  // margin would otherwise run past the end of the stack.
  uint64_t frame_bytes = 0;
  for (Type t : sig.param_types) frame_bytes += ValueBytes(t);
  for (Type t : func_.local_types) frame_bytes += ValueBytes(t);
  for (const auto& [depth, letter] : vars_) frame_bytes += SlotBytes(letter);
  frame_bytes *= 2;
  if (body_.size() > mm_->huge_function_bytes) {
    // Compiled without optimisation (see CSource::huge), every expression
    // that makes a v128 value (a SIMDe call) gets stack slots of its own, so
    // the frame grows with the code: 44_big_frame_recursion has 27,000 such
    // lines in a 2.9 MB frame (-O2: 144 KB). Scalar lines do not spill (the
    // 200,000-line _start of 24_many_functions has an 80-byte frame).
    // Ask for 128 bytes per SIMD line and 8 per other line.
    huge_ = true;
    for (size_t at = 0; at < body_.size();) {
      size_t end = body_.find('\n', at);
      if (end == std::string::npos) end = body_.size();
      const bool simd =
          absl::string_view(body_.data() + at, end - at).find("simde_") !=
          absl::string_view::npos;
      frame_bytes += simd ? 128 : 8;
      at = end + 1;
    }
  }
  const std::string check =
      frame_bytes < kSmallFrameBytes
          ? std::string(
                "if (AL_UNLIKELY((uintptr_t)__builtin_frame_address(0) "
                "< inst->hdr.stack_limit)) "
                "AL_TRAP(CALL_STACK_EXHAUSTED);\n")
          : absl::StrCat(
                "if (AL_UNLIKELY((uintptr_t)__builtin_frame_address(0) < "
                "inst->hdr.stack_limit + ",
                frame_bytes, "u)) AL_TRAP(CALL_STACK_EXHAUSTED);\n");

  // Assemble: prototype, locals, stack slots, body.
  std::string params;
  std::string args = "ctx_";
  for (Index i = 0; i < nparams; ++i) {
    absl::StrAppend(&params, ", ", CType(sig.param_types[i]), " l", i);
    absl::StrAppend(&args, ", l", i);
  }
  const std::string ret = RetType(sig.result_types);
  std::string out;
  if (huge_) {
    // At -O0 the prologue writes the parameters to the far end of the frame
    // before any statement runs, so the check cannot be in the function
    // itself: a small wrapper checks for room for the whole frame below its
    // own, then calls the body.
    absl::StrAppend(&out, "static __attribute__((noinline)) ", ret, " wf",
                    index_, "_body(void* ctx_", params, ");\n", ret, " wf",
                    index_, "(void* ctx_", params,
                    ") {\ninst_t* inst = (inst_t*)ctx_;\n", check,
                    sig.result_types.empty() ? "" : "return ", "wf", index_,
                    "_body(", args, ");\n}\n\n");
    absl::StrAppend(&out, "static __attribute__((noinline)) ", ret, " wf",
                    index_, "_body(void* ctx_", params,
                    ") {\ninst_t* inst = (inst_t*)ctx_;\n");
  } else {
    absl::StrAppend(&out, ret, " wf", index_, "(void* ctx_", params,
                    ") {\ninst_t* inst = (inst_t*)ctx_;\n", check);
  }
  Index li = nparams;
  for (Type t : func_.local_types) {
    if (t == Type::V128) {
      absl::StrAppend(&out, "simde_v128_t l", li,
                      " = simde_wasm_i64x2_splat(0);\n");
    } else if (t == Type::FuncRef || t == Type::ExternRef) {
      absl::StrAppend(&out, "airlock_ref l", li, " = {0, 0, 0};\n");
    } else {
      absl::StrAppend(&out, CType(t), " l", li, " = 0;\n");
    }
    ++li;
  }
  for (const auto& [depth, letter] : vars_) {
    switch (letter) {
      case 'i':
        absl::StrAppend(&out, "u32 s", depth, "i = 0;\n");
        break;
      case 'I':
        absl::StrAppend(&out, "u64 s", depth, "I = 0;\n");
        break;
      case 'f':
        absl::StrAppend(&out, "f32 s", depth, "f = 0;\n");
        break;
      case 'F':
        absl::StrAppend(&out, "f64 s", depth, "F = 0;\n");
        break;
      case 'v':
        absl::StrAppend(&out, "simde_v128_t s", depth,
                        "v = simde_wasm_i64x2_splat(0);\n");
        break;
      default:
        absl::StrAppend(&out, "airlock_ref s", depth, std::string(1, letter),
                        " = {0, 0, 0};\n");
        break;
    }
  }
  if (uses_mem_) absl::StrAppend(&out, "u8* const mem = inst->mem0->base;\n");
  if (mm_->fuel) absl::StrAppend(&out, "int64_t fuel = inst->hdr.fuel;\n");
  {
    std::string saved;
    saved.swap(body_);
    Check();
    body_.swap(saved);
    absl::StrAppend(&out, saved);
  }
  absl::StrAppend(&out, body_, "}\n\n");
  return out;
}

absl::Status FunctionWriter::EmitCall(const wabt::FuncSignature& sig,
                                      const std::string& callee,
                                      const std::string& ctx) {
  size_t np = sig.param_types.size();
  if (stack_.size() < np) {
    return absl::InternalError(
        absl::StrFormat("translator stack underflow at call (offset 0x%x): "
                        "height %d, %d params",
                        offset_, stack_.size(), np));
  }
  std::vector<std::string> args{ctx};
  size_t from = stack_.size() - np;
  for (size_t i = 0; i < np; ++i)
    args.push_back(Slot(from + i, stack_[from + i]));
  stack_.resize(from);
  FlushFuel();
  SaveFuel();
  std::string call = absl::StrCat(callee, "(", absl::StrJoin(args, ", "), ")");
  const wabt::TypeVector& r = sig.result_types;
  mm_->NoteResults(r);
  if (r.empty()) {
    Line(call + ";");
  } else if (r.size() == 1) {
    std::string dst = Push(r[0]);
    Line(absl::StrCat(dst, " = ", call, ";"));
  } else {
    std::string s = absl::StrCat("{ ", RetType(r), " r_ = ", call, "; ");
    for (size_t i = 0; i < r.size(); ++i) {
      absl::StrAppend(&s, Push(r[i]), " = r_.v", i, "; ");
    }
    Line(s + "}");
  }
  LoadFuel();
  return absl::OkStatus();
}

// Operand count of an opcode expression.
int Arity(ExprType t) {
  switch (t) {
    case ExprType::Unary:
    case ExprType::Convert:
      return 1;
    case ExprType::Ternary:
      return 3;
    default:
      return 2;  // Binary, Compare
  }
}

// The C function-pointer type for a signature: R (*)(void*, P...).
std::string FnPtrType(const wabt::FuncSignature& sig) {
  std::string s = absl::StrCat(RetType(sig.result_types), " (*)(void*");
  for (Type t : sig.param_types) absl::StrAppend(&s, ", ", CType(t));
  return s + ")";
}

absl::Status FunctionWriter::EmitExpr(const Expr& e) {
  Charge(1);
  offset_ = e.loc.offset;
  switch (e.type()) {
    case ExprType::Nop:
      return absl::OkStatus();
    case ExprType::Unreachable:
      FlushFuel();
      SaveFuel();
      Line("AL_TRAP(UNREACHABLE);");
      unreachable_ = true;
      return absl::OkStatus();
    case ExprType::Block: {
      auto* b = wabt::cast<wabt::BlockExpr>(&e);
      PushFrame(Kind::kBlock, b->block.exprs, BlockSig(m_, b->block.decl));
      return absl::OkStatus();
    }
    case ExprType::Loop: {
      auto* b = wabt::cast<wabt::LoopExpr>(&e);
      FlushFuel();
      PushFrame(Kind::kLoop, b->block.exprs, BlockSig(m_, b->block.decl));
      absl::StrAppend(&body_, "{\nL", frames_.back().label, ":;\n");
      Check();
      return absl::OkStatus();
    }
    case ExprType::If: {
      auto* ie = wabt::cast<wabt::IfExpr>(&e);
      std::string cond = Pop();
      FlushFuel();
      PushFrame(Kind::kIfThen, ie->true_.exprs, BlockSig(m_, ie->true_.decl));
      frames_.back().if_expr = ie;
      Line(absl::StrCat("if (", cond, ") {"));
      return absl::OkStatus();
    }
    case ExprType::Br: {
      FlushFuel();
      Branch(wabt::cast<wabt::BrExpr>(&e)->var.index());
      unreachable_ = true;
      return absl::OkStatus();
    }
    case ExprType::BrIf: {
      std::string cond = Pop();
      FlushFuel();
      Line(absl::StrCat("if (", cond, ") {"));
      Branch(wabt::cast<wabt::BrIfExpr>(&e)->var.index());
      Line("}");
      return absl::OkStatus();
    }
    case ExprType::BrTable: {
      auto* bt = wabt::cast<wabt::BrTableExpr>(&e);
      std::string idx = Pop();
      FlushFuel();
      Line(absl::StrCat("switch (", idx, ") {"));
      for (size_t i = 0; i < bt->targets.size(); ++i) {
        absl::StrAppend(&body_, "case ", i, ": ");
        Branch(bt->targets[i].index());
      }
      absl::StrAppend(&body_, "default: ");
      Branch(bt->default_target.index());
      Line("}");
      unreachable_ = true;
      return absl::OkStatus();
    }
    case ExprType::Return:
      FlushFuel();
      EmitReturn();
      unreachable_ = true;
      return absl::OkStatus();
    case ExprType::Call: {
      Index fi = m_.GetFuncIndex(wabt::cast<wabt::CallExpr>(&e)->var);
      const wabt::FuncSignature& sig = mm_->Func(fi).decl.sig;
      if (mm_->FuncIsImport(fi)) {
        std::string slot = absl::StrCat("inst->fimp", fi);
        return EmitCall(sig,
                        absl::StrCat("((", FnPtrType(sig), ")", slot, ".fn)"),
                        slot + ".ctx");
      }
      return EmitCall(sig, absl::StrCat("wf", fi), "inst");
    }
    case ExprType::CallIndirect: {
      auto* ci = wabt::cast<wabt::CallIndirectExpr>(&e);
      const wabt::FuncSignature& sig = BlockSig(m_, ci->decl);
      int sid = mm_->SigId(SigString(sig));
      std::string idx = Pop();
      Line(absl::StrCat("{ airlock_ref cr_ = al_indirect(", Table(ci->table),
                        ", ", idx, ", al_sig", sid, ");"));
      absl::Status s = EmitCall(
          sig, absl::StrCat("((", FnPtrType(sig), ")cr_.fn)"), "cr_.ctx");
      Line("}");
      return s;
    }
    case ExprType::Drop:
      Pop();
      return absl::OkStatus();
    case ExprType::Select: {
      // The result has the operands' type (untyped select is numeric or
      // vector; typed select says it, and validation made them agree).
      Type rt = stack_[stack_.size() - 2];
      std::string cond = Pop();
      std::string b = Pop();
      std::string a = Pop();
      std::string dst = Push(rt);
      Line(absl::StrCat(
          "if (!", cond, ") ", dst, " = ", b, ";",
          dst == a ? "" : absl::StrCat(" else ", dst, " = ", a, ";")));
      return absl::OkStatus();
    }
    case ExprType::LocalGet: {
      Index li = wabt::cast<wabt::LocalGetExpr>(&e)->var.index();
      Type t = func_.GetLocalType(wabt::cast<wabt::LocalGetExpr>(&e)->var);
      Line(absl::StrCat(Push(t), " = l", li, ";"));
      return absl::OkStatus();
    }
    case ExprType::LocalSet: {
      Index li = wabt::cast<wabt::LocalSetExpr>(&e)->var.index();
      Line(absl::StrCat("l", li, " = ", Pop(), ";"));
      return absl::OkStatus();
    }
    case ExprType::LocalTee: {
      Index li = wabt::cast<wabt::LocalTeeExpr>(&e)->var.index();
      Line(absl::StrCat("l", li, " = ", Top(), ";"));
      return absl::OkStatus();
    }
    case ExprType::GlobalGet: {
      Index gi = m_.GetGlobalIndex(wabt::cast<wabt::GlobalGetExpr>(&e)->var);
      Line(absl::StrCat(Push(m_.globals[gi]->type), " = ", GlobalRef(*mm_, gi),
                        ";"));
      return absl::OkStatus();
    }
    case ExprType::GlobalSet: {
      Index gi = m_.GetGlobalIndex(wabt::cast<wabt::GlobalSetExpr>(&e)->var);
      Line(absl::StrCat(GlobalRef(*mm_, gi), " = ", Pop(), ";"));
      return absl::OkStatus();
    }
    case ExprType::Const: {
      const wabt::Const& c = wabt::cast<wabt::ConstExpr>(&e)->const_;
      std::string v;
      switch (c.type()) {
        case Type::I32:
          v = absl::StrCat(c.u32(), "u");
          break;
        case Type::I64:
          v = absl::StrCat(c.u64(), "ull");
          break;
        case Type::F32:
          v = F32Const(c.f32_bits());
          break;
        case Type::F64:
          v = F64Const(c.f64_bits());
          break;
        case Type::V128: {
          uint8_t bytes[16];
          ::v128 val = c.vec128();
          memcpy(bytes, &val, 16);
          mm_->uses_simd = true;
          v = translate_internal::SimdConst(bytes);
          break;
        }
        default:
          return absl::InternalError("unknown constant type");
      }
      Line(absl::StrCat(Push(c.type()), " = ", v, ";"));
      return absl::OkStatus();
    }
    case ExprType::Load: {
      auto* le = wabt::cast<wabt::LoadExpr>(&e);
      std::string idx = Pop();
      const char* fn = nullptr;
      switch (le->opcode) {
        case Opcode::I32Load:
          fn = "al_ld_i32";
          break;
        case Opcode::I64Load:
          fn = "al_ld_i64";
          break;
        case Opcode::F32Load:
          fn = "al_ld_f32";
          break;
        case Opcode::F64Load:
          fn = "al_ld_f64";
          break;
        case Opcode::I32Load8S:
          fn = "al_ld_i32_8s";
          break;
        case Opcode::I32Load8U:
          fn = "al_ld_i32_8u";
          break;
        case Opcode::I32Load16S:
          fn = "al_ld_i32_16s";
          break;
        case Opcode::I32Load16U:
          fn = "al_ld_i32_16u";
          break;
        case Opcode::I64Load8S:
          fn = "al_ld_i64_8s";
          break;
        case Opcode::I64Load8U:
          fn = "al_ld_i64_8u";
          break;
        case Opcode::I64Load16S:
          fn = "al_ld_i64_16s";
          break;
        case Opcode::I64Load16U:
          fn = "al_ld_i64_16u";
          break;
        case Opcode::I64Load32S:
          fn = "al_ld_i64_32s";
          break;
        case Opcode::I64Load32U:
          fn = "al_ld_i64_32u";
          break;
        default:
          break;
      }
      std::string addr = Addr(idx, le->offset);
      if (fn == nullptr) {
        mm_->uses_simd = true;
        auto expr = translate_internal::SimdLoad(le->opcode, addr);
        if (!expr) {
          return absl::InternalError(
              absl::StrCat("no translation for ", le->opcode.GetName()));
        }
        std::string dst = Push(le->opcode.GetResultType());
        Line(
            absl::StrCat(dst, " = ", *expr, "; AL_FORCE_READ_VEC(", dst, ");"));
        return absl::OkStatus();
      }
      Line(absl::StrCat(Push(le->opcode.GetResultType()), " = ", fn, "(", addr,
                        ");"));
      return absl::OkStatus();
    }
    case ExprType::LoadSplat:
    case ExprType::LoadZero: {
      auto* le =
          static_cast<const wabt::LoadStoreExpr<ExprType::LoadSplat>*>(&e);
      std::string idx = Pop();
      mm_->uses_simd = true;
      auto expr =
          translate_internal::SimdLoad(le->opcode, Addr(idx, le->offset));
      if (!expr) {
        return absl::InternalError(
            absl::StrCat("no translation for ", le->opcode.GetName()));
      }
      std::string dst = Push(Type::V128);
      Line(absl::StrCat(dst, " = ", *expr, "; AL_FORCE_READ_VEC(", dst, ");"));
      return absl::OkStatus();
    }
    case ExprType::Store: {
      auto* se = wabt::cast<wabt::StoreExpr>(&e);
      std::string val = Pop();
      std::string idx = Pop();
      std::string addr = Addr(idx, se->offset);
      const char* fn = nullptr;
      switch (se->opcode) {
        case Opcode::I32Store:
          fn = "al_st_i32";
          break;
        case Opcode::I64Store:
          fn = "al_st_i64";
          break;
        case Opcode::F32Store:
          fn = "al_st_f32";
          break;
        case Opcode::F64Store:
          fn = "al_st_f64";
          break;
        case Opcode::I32Store8:
          fn = "al_st_i32_8";
          break;
        case Opcode::I32Store16:
          fn = "al_st_i32_16";
          break;
        case Opcode::I64Store8:
          fn = "al_st_i64_8";
          break;
        case Opcode::I64Store16:
          fn = "al_st_i64_16";
          break;
        case Opcode::I64Store32:
          fn = "al_st_i64_32";
          break;
        default:
          break;
      }
      if (fn == nullptr) {
        mm_->uses_simd = true;
        Line(translate_internal::SimdStore(addr, val));
        return absl::OkStatus();
      }
      Line(absl::StrCat(fn, "(", addr, ", ", val, ");"));
      return absl::OkStatus();
    }
    case ExprType::MemorySize:
      Line(absl::StrCat(Push(Type::I32), " = ", Mem(), "->pages;"));
      return absl::OkStatus();
    case ExprType::MemoryGrow: {
      std::string delta = Pop();
      FlushFuel();
      if (mm_->fuel) {
        Line(absl::StrCat("fuel -= (int64_t)", delta, " * ", kGrowFuelPerPage,
                          ";"));
      }
      Check();
      Line(absl::StrCat(Push(Type::I32), " = airlock_rt_memory_grow(", Mem(),
                        ", ", delta, ");"));
      return absl::OkStatus();
    }
    case ExprType::MemoryFill:
    case ExprType::MemoryCopy:
    case ExprType::MemoryInit:
    case ExprType::TableFill:
    case ExprType::TableCopy:
    case ExprType::TableInit: {
      std::string n = Pop();
      std::string b = Pop();
      std::string a = Pop();
      // Charged before the work, then checked: a guest out of fuel (or
      // interrupted) must not get the bytes it cannot pay for, and
      // straight-line code has no loop header that would check later.
      FlushFuel();
      if (mm_->fuel) {
        Line(absl::StrCat("fuel -= ", n, " / ", kBulkBytesPerFuel, ";"));
      }
      Check();
      switch (e.type()) {
        case ExprType::MemoryFill:
          Line(absl::StrCat("al_memory_fill(", Mem(), ", ", a, ", ", b, ", ", n,
                            ");"));
          break;
        case ExprType::MemoryCopy:
          Line(absl::StrCat("al_memory_copy(", Mem(), ", ", Mem(), ", ", a,
                            ", ", b, ", ", n, ");"));
          break;
        case ExprType::MemoryInit: {
          Index di =
              m_.GetDataSegmentIndex(wabt::cast<wabt::MemoryInitExpr>(&e)->var);
          Line(absl::StrCat("al_memory_init(", Mem(), ", al_data", di,
                            ", inst->data_dropped[", di, "] ? 0 : al_data", di,
                            "_len, ", a, ", ", b, ", ", n, ");"));
          break;
        }
        case ExprType::TableFill:
          Line(absl::StrCat("al_table_fill(",
                            Table(wabt::cast<wabt::TableFillExpr>(&e)->var),
                            ", ", a, ", ", b, ", ", n, ");"));
          break;
        case ExprType::TableCopy: {
          auto* tc = wabt::cast<wabt::TableCopyExpr>(&e);
          Line(absl::StrCat("al_table_copy(", Table(tc->dst_table), ", ",
                            Table(tc->src_table), ", ", a, ", ", b, ", ", n,
                            ");"));
          break;
        }
        default: {
          auto* ti = wabt::cast<wabt::TableInitExpr>(&e);
          Index si = m_.GetElemSegmentIndex(ti->segment_index);
          Line(absl::StrCat("al_table_init(", Table(ti->table_index),
                            ", inst->elem", si, ", inst->elem", si, "_len, ", a,
                            ", ", b, ", ", n, ");"));
          break;
        }
      }
      return absl::OkStatus();
    }
    case ExprType::DataDrop: {
      Index di =
          m_.GetDataSegmentIndex(wabt::cast<wabt::DataDropExpr>(&e)->var);
      Line(absl::StrCat("inst->data_dropped[", di, "] = 1;"));
      return absl::OkStatus();
    }
    case ExprType::ElemDrop: {
      Index si =
          m_.GetElemSegmentIndex(wabt::cast<wabt::ElemDropExpr>(&e)->var);
      Line(absl::StrCat("inst->elem", si, "_len = 0;"));
      return absl::OkStatus();
    }
    case ExprType::TableGet: {
      std::string i = Pop();
      Index ti = m_.GetTableIndex(wabt::cast<wabt::TableGetExpr>(&e)->var);
      Line(absl::StrCat(Push(m_.tables[ti]->elem_type),
                        " = al_table_get(inst->t", ti, ", ", i, ");"));
      return absl::OkStatus();
    }
    case ExprType::TableSet: {
      std::string v = Pop();
      std::string i = Pop();
      Line(absl::StrCat("al_table_set(",
                        Table(wabt::cast<wabt::TableSetExpr>(&e)->var), ", ", i,
                        ", ", v, ");"));
      return absl::OkStatus();
    }
    case ExprType::TableGrow: {
      std::string n = Pop();
      std::string v = Pop();
      FlushFuel();
      if (mm_->fuel)
        Line(absl::StrCat("fuel -= ", n, " / ", kBulkBytesPerFuel, ";"));
      Check();
      Line(absl::StrCat(Push(Type::I32), " = airlock_rt_table_grow(",
                        Table(wabt::cast<wabt::TableGrowExpr>(&e)->var), ", ",
                        n, ", ", v, ");"));
      return absl::OkStatus();
    }
    case ExprType::TableSize:
      Line(absl::StrCat(Push(Type::I32), " = ",
                        Table(wabt::cast<wabt::TableSizeExpr>(&e)->var),
                        "->size;"));
      return absl::OkStatus();
    case ExprType::RefNull:
      Line(absl::StrCat(Push(wabt::cast<wabt::RefNullExpr>(&e)->type),
                        " = (airlock_ref){0, 0, 0};"));
      return absl::OkStatus();
    case ExprType::RefIsNull: {
      Type t = stack_.back();
      std::string v = Pop();
      Line(absl::StrCat(Push(Type::I32), " = ",
                        t == Type::ExternRef ? absl::StrCat(v, ".ctx == 0")
                                             : absl::StrCat(v, ".fn == 0"),
                        ";"));
      return absl::OkStatus();
    }
    case ExprType::RefFunc: {
      Index fi = m_.GetFuncIndex(wabt::cast<wabt::RefFuncExpr>(&e)->var);
      Line(absl::StrCat(Push(Type::FuncRef), " = ", FuncRefValue(*mm_, mm_, fi),
                        ";"));
      return absl::OkStatus();
    }
    case ExprType::Binary:
    case ExprType::Compare:
    case ExprType::Convert:
    case ExprType::Unary:
    case ExprType::Ternary: {
      Opcode op =
          static_cast<const wabt::OpcodeExpr<ExprType::Binary>*>(&e)->opcode;
      if (IsSimdOpcode(op)) return EmitSimd(e);
      return EmitNumeric(op, Arity(e.type()));
    }
    case ExprType::SimdLaneOp:
    case ExprType::SimdLoadLane:
    case ExprType::SimdStoreLane:
    case ExprType::SimdShuffleOp:
      return EmitSimd(e);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported instruction: ", wabt::GetExprTypeName(e)));
  }
}

absl::Status FunctionWriter::EmitSimd(const Expr& e) {
  mm_->uses_simd = true;
  namespace ti = translate_internal;
  switch (e.type()) {
    case ExprType::SimdLaneOp: {
      auto* le = wabt::cast<wabt::SimdLaneOpExpr>(&e);
      int n = le->opcode.GetParamType2() == Type::Void ? 1 : 2;
      std::vector<std::string> ops(n);
      for (int i = n - 1; i >= 0; --i) ops[i] = Pop();
      auto expr = ti::SimdLaneOp(le->opcode, le->val, ops);
      if (!expr) break;
      Line(absl::StrCat(Push(le->opcode.GetResultType()), " = ", *expr, ";"));
      return absl::OkStatus();
    }
    case ExprType::SimdShuffleOp: {
      auto* se = wabt::cast<wabt::SimdShuffleOpExpr>(&e);
      std::string b = Pop();
      std::string a = Pop();
      uint8_t lanes[16];
      memcpy(lanes, &se->val, 16);
      Line(absl::StrCat(Push(Type::V128), " = ", ti::SimdShuffle(lanes, a, b),
                        ";"));
      return absl::OkStatus();
    }
    case ExprType::SimdLoadLane: {
      auto* le = wabt::cast<wabt::SimdLoadLaneExpr>(&e);
      std::string vec = Pop();
      std::string idx = Pop();
      auto expr =
          ti::SimdLoadLane(le->opcode, Addr(idx, le->offset), le->val, vec);
      if (!expr) break;
      std::string dst = Push(Type::V128);
      Line(absl::StrCat(dst, " = ", *expr, "; AL_FORCE_READ_VEC(", dst, ");"));
      return absl::OkStatus();
    }
    case ExprType::SimdStoreLane: {
      auto* se = wabt::cast<wabt::SimdStoreLaneExpr>(&e);
      std::string vec = Pop();
      std::string idx = Pop();
      auto stmt =
          ti::SimdStoreLane(se->opcode, Addr(idx, se->offset), se->val, vec);
      if (!stmt) break;
      Line(*stmt);
      return absl::OkStatus();
    }
    default: {
      Opcode op =
          static_cast<const wabt::OpcodeExpr<ExprType::Binary>*>(&e)->opcode;
      int n = Arity(e.type());
      std::vector<std::string> ops(n);
      for (int i = n - 1; i >= 0; --i) ops[i] = Pop();
      auto expr = ti::SimdOp(op, ops);
      if (!expr) {
        return absl::InternalError(
            absl::StrCat("no translation for ", op.GetName()));
      }
      Line(absl::StrCat(Push(op.GetResultType()), " = ", *expr, ";"));
      return absl::OkStatus();
    }
  }
  return absl::InternalError(
      absl::StrCat("no translation for ", wabt::GetExprTypeName(e)));
}

absl::Status FunctionWriter::EmitNumeric(Opcode op, int n) {
  std::string b = n == 2 ? Pop() : "";
  std::string a = Pop();
  std::string x;
  using O = Opcode;
  switch (op) {
    // i32
    case O::I32Eqz:
      x = absl::StrCat("(u32)(", a, " == 0)");
      break;
    case O::I32Eq:
      x = absl::StrCat("(u32)(", a, " == ", b, ")");
      break;
    case O::I32Ne:
      x = absl::StrCat("(u32)(", a, " != ", b, ")");
      break;
    case O::I32LtS:
      x = absl::StrCat("(u32)((s32)", a, " < (s32)", b, ")");
      break;
    case O::I32LtU:
      x = absl::StrCat("(u32)(", a, " < ", b, ")");
      break;
    case O::I32GtS:
      x = absl::StrCat("(u32)((s32)", a, " > (s32)", b, ")");
      break;
    case O::I32GtU:
      x = absl::StrCat("(u32)(", a, " > ", b, ")");
      break;
    case O::I32LeS:
      x = absl::StrCat("(u32)((s32)", a, " <= (s32)", b, ")");
      break;
    case O::I32LeU:
      x = absl::StrCat("(u32)(", a, " <= ", b, ")");
      break;
    case O::I32GeS:
      x = absl::StrCat("(u32)((s32)", a, " >= (s32)", b, ")");
      break;
    case O::I32GeU:
      x = absl::StrCat("(u32)(", a, " >= ", b, ")");
      break;
    case O::I32Clz:
      x = absl::StrCat("al_i32_clz(", a, ")");
      break;
    case O::I32Ctz:
      x = absl::StrCat("al_i32_ctz(", a, ")");
      break;
    case O::I32Popcnt:
      x = absl::StrCat("(u32)__builtin_popcount(", a, ")");
      break;
    case O::I32Add:
      x = absl::StrCat(a, " + ", b);
      break;
    case O::I32Sub:
      x = absl::StrCat(a, " - ", b);
      break;
    case O::I32Mul:
      x = absl::StrCat(a, " * ", b);
      break;
    case O::I32DivS:
      x = absl::StrCat("al_i32_div_s(", a, ", ", b, ")");
      break;
    case O::I32DivU:
      x = absl::StrCat("al_i32_div_u(", a, ", ", b, ")");
      break;
    case O::I32RemS:
      x = absl::StrCat("al_i32_rem_s(", a, ", ", b, ")");
      break;
    case O::I32RemU:
      x = absl::StrCat("al_i32_rem_u(", a, ", ", b, ")");
      break;
    case O::I32And:
      x = absl::StrCat(a, " & ", b);
      break;
    case O::I32Or:
      x = absl::StrCat(a, " | ", b);
      break;
    case O::I32Xor:
      x = absl::StrCat(a, " ^ ", b);
      break;
    case O::I32Shl:
      x = absl::StrCat(a, " << (", b, " & 31)");
      break;
    case O::I32ShrS:
      x = absl::StrCat("(u32)((s32)", a, " >> (", b, " & 31))");
      break;
    case O::I32ShrU:
      x = absl::StrCat(a, " >> (", b, " & 31)");
      break;
    case O::I32Rotl:
      x = absl::StrCat("al_i32_rotl(", a, ", ", b, ")");
      break;
    case O::I32Rotr:
      x = absl::StrCat("al_i32_rotr(", a, ", ", b, ")");
      break;
    // i64
    case O::I64Eqz:
      x = absl::StrCat("(u32)(", a, " == 0)");
      break;
    case O::I64Eq:
      x = absl::StrCat("(u32)(", a, " == ", b, ")");
      break;
    case O::I64Ne:
      x = absl::StrCat("(u32)(", a, " != ", b, ")");
      break;
    case O::I64LtS:
      x = absl::StrCat("(u32)((s64)", a, " < (s64)", b, ")");
      break;
    case O::I64LtU:
      x = absl::StrCat("(u32)(", a, " < ", b, ")");
      break;
    case O::I64GtS:
      x = absl::StrCat("(u32)((s64)", a, " > (s64)", b, ")");
      break;
    case O::I64GtU:
      x = absl::StrCat("(u32)(", a, " > ", b, ")");
      break;
    case O::I64LeS:
      x = absl::StrCat("(u32)((s64)", a, " <= (s64)", b, ")");
      break;
    case O::I64LeU:
      x = absl::StrCat("(u32)(", a, " <= ", b, ")");
      break;
    case O::I64GeS:
      x = absl::StrCat("(u32)((s64)", a, " >= (s64)", b, ")");
      break;
    case O::I64GeU:
      x = absl::StrCat("(u32)(", a, " >= ", b, ")");
      break;
    case O::I64Clz:
      x = absl::StrCat("al_i64_clz(", a, ")");
      break;
    case O::I64Ctz:
      x = absl::StrCat("al_i64_ctz(", a, ")");
      break;
    case O::I64Popcnt:
      x = absl::StrCat("(u64)__builtin_popcountll(", a, ")");
      break;
    case O::I64Add:
      x = absl::StrCat(a, " + ", b);
      break;
    case O::I64Sub:
      x = absl::StrCat(a, " - ", b);
      break;
    case O::I64Mul:
      x = absl::StrCat(a, " * ", b);
      break;
    case O::I64DivS:
      x = absl::StrCat("al_i64_div_s(", a, ", ", b, ")");
      break;
    case O::I64DivU:
      x = absl::StrCat("al_i64_div_u(", a, ", ", b, ")");
      break;
    case O::I64RemS:
      x = absl::StrCat("al_i64_rem_s(", a, ", ", b, ")");
      break;
    case O::I64RemU:
      x = absl::StrCat("al_i64_rem_u(", a, ", ", b, ")");
      break;
    case O::I64And:
      x = absl::StrCat(a, " & ", b);
      break;
    case O::I64Or:
      x = absl::StrCat(a, " | ", b);
      break;
    case O::I64Xor:
      x = absl::StrCat(a, " ^ ", b);
      break;
    case O::I64Shl:
      x = absl::StrCat(a, " << (", b, " & 63)");
      break;
    case O::I64ShrS:
      x = absl::StrCat("(u64)((s64)", a, " >> (", b, " & 63))");
      break;
    case O::I64ShrU:
      x = absl::StrCat(a, " >> (", b, " & 63)");
      break;
    case O::I64Rotl:
      x = absl::StrCat("al_i64_rotl(", a, ", ", b, ")");
      break;
    case O::I64Rotr:
      x = absl::StrCat("al_i64_rotr(", a, ", ", b, ")");
      break;
    // f32 / f64 comparisons (C semantics match Wasm, NaN included)
    case O::F32Eq:
    case O::F64Eq:
      x = absl::StrCat("(u32)(", a, " == ", b, ")");
      break;
    case O::F32Ne:
    case O::F64Ne:
      x = absl::StrCat("(u32)(", a, " != ", b, ")");
      break;
    case O::F32Lt:
    case O::F64Lt:
      x = absl::StrCat("(u32)(", a, " < ", b, ")");
      break;
    case O::F32Gt:
    case O::F64Gt:
      x = absl::StrCat("(u32)(", a, " > ", b, ")");
      break;
    case O::F32Le:
    case O::F64Le:
      x = absl::StrCat("(u32)(", a, " <= ", b, ")");
      break;
    case O::F32Ge:
    case O::F64Ge:
      x = absl::StrCat("(u32)(", a, " >= ", b, ")");
      break;
    // f32
    case O::F32Abs:
      x = absl::StrCat("al_f32_abs(", a, ")");
      break;
    case O::F32Neg:
      x = absl::StrCat("al_f32_neg(", a, ")");
      break;
    case O::F32Ceil:
      x = absl::StrCat("al_f32_ceil(", a, ")");
      break;
    case O::F32Floor:
      x = absl::StrCat("al_f32_floor(", a, ")");
      break;
    case O::F32Trunc:
      x = absl::StrCat("al_f32_trunc(", a, ")");
      break;
    case O::F32Nearest:
      x = absl::StrCat("al_f32_nearest(", a, ")");
      break;
    case O::F32Sqrt:
      x = absl::StrCat("al_f32_sqrt(", a, ")");
      break;
    case O::F32Add:
    case O::F64Add:
      x = absl::StrCat(a, " + ", b);
      break;
    case O::F32Sub:
    case O::F64Sub:
      x = absl::StrCat(a, " - ", b);
      break;
    case O::F32Mul:
    case O::F64Mul:
      x = absl::StrCat(a, " * ", b);
      break;
    case O::F32Div:
    case O::F64Div:
      x = absl::StrCat(a, " / ", b);
      break;
    case O::F32Min:
      x = absl::StrCat("al_f32_min(", a, ", ", b, ")");
      break;
    case O::F32Max:
      x = absl::StrCat("al_f32_max(", a, ", ", b, ")");
      break;
    case O::F32Copysign:
      x = absl::StrCat("al_f32_copysign(", a, ", ", b, ")");
      break;
    // f64
    case O::F64Abs:
      x = absl::StrCat("al_f64_abs(", a, ")");
      break;
    case O::F64Neg:
      x = absl::StrCat("al_f64_neg(", a, ")");
      break;
    case O::F64Ceil:
      x = absl::StrCat("al_f64_ceil(", a, ")");
      break;
    case O::F64Floor:
      x = absl::StrCat("al_f64_floor(", a, ")");
      break;
    case O::F64Trunc:
      x = absl::StrCat("al_f64_trunc(", a, ")");
      break;
    case O::F64Nearest:
      x = absl::StrCat("al_f64_nearest(", a, ")");
      break;
    case O::F64Sqrt:
      x = absl::StrCat("al_f64_sqrt(", a, ")");
      break;
    case O::F64Min:
      x = absl::StrCat("al_f64_min(", a, ", ", b, ")");
      break;
    case O::F64Max:
      x = absl::StrCat("al_f64_max(", a, ", ", b, ")");
      break;
    case O::F64Copysign:
      x = absl::StrCat("al_f64_copysign(", a, ", ", b, ")");
      break;
    // conversions
    case O::I32WrapI64:
      x = absl::StrCat("(u32)", a);
      break;
    case O::I32TruncF32S:
      x = absl::StrCat("al_i32_trunc_f32_s(", a, ")");
      break;
    case O::I32TruncF32U:
      x = absl::StrCat("al_i32_trunc_f32_u(", a, ")");
      break;
    case O::I32TruncF64S:
      x = absl::StrCat("al_i32_trunc_f64_s(", a, ")");
      break;
    case O::I32TruncF64U:
      x = absl::StrCat("al_i32_trunc_f64_u(", a, ")");
      break;
    case O::I64ExtendI32S:
      x = absl::StrCat("(u64)(s64)(s32)", a);
      break;
    case O::I64ExtendI32U:
      x = absl::StrCat("(u64)", a);
      break;
    case O::I64TruncF32S:
      x = absl::StrCat("al_i64_trunc_f32_s(", a, ")");
      break;
    case O::I64TruncF32U:
      x = absl::StrCat("al_i64_trunc_f32_u(", a, ")");
      break;
    case O::I64TruncF64S:
      x = absl::StrCat("al_i64_trunc_f64_s(", a, ")");
      break;
    case O::I64TruncF64U:
      x = absl::StrCat("al_i64_trunc_f64_u(", a, ")");
      break;
    case O::F32ConvertI32S:
      x = absl::StrCat("(f32)(s32)", a);
      break;
    case O::F32ConvertI32U:
      x = absl::StrCat("(f32)", a);
      break;
    case O::F32ConvertI64S:
      x = absl::StrCat("(f32)(s64)", a);
      break;
    case O::F32ConvertI64U:
      x = absl::StrCat("(f32)", a);
      break;
    case O::F32DemoteF64:
      x = absl::StrCat("al_f32_demote_f64(", a, ")");
      break;
    case O::F64ConvertI32S:
      x = absl::StrCat("(f64)(s32)", a);
      break;
    case O::F64ConvertI32U:
      x = absl::StrCat("(f64)", a);
      break;
    case O::F64ConvertI64S:
      x = absl::StrCat("(f64)(s64)", a);
      break;
    case O::F64ConvertI64U:
      x = absl::StrCat("(f64)", a);
      break;
    case O::F64PromoteF32:
      x = absl::StrCat("al_f64_promote_f32(", a, ")");
      break;
    case O::I32ReinterpretF32:
      x = absl::StrCat("al_bits_f32(", a, ")");
      break;
    case O::I64ReinterpretF64:
      x = absl::StrCat("al_bits_f64(", a, ")");
      break;
    case O::F32ReinterpretI32:
      x = absl::StrCat("al_f32_bits(", a, ")");
      break;
    case O::F64ReinterpretI64:
      x = absl::StrCat("al_f64_bits(", a, ")");
      break;
    case O::I32Extend8S:
      x = absl::StrCat("(u32)(s32)(s8)", a);
      break;
    case O::I32Extend16S:
      x = absl::StrCat("(u32)(s32)(s16)", a);
      break;
    case O::I64Extend8S:
      x = absl::StrCat("(u64)(s64)(s8)", a);
      break;
    case O::I64Extend16S:
      x = absl::StrCat("(u64)(s64)(s16)", a);
      break;
    case O::I64Extend32S:
      x = absl::StrCat("(u64)(s64)(s32)", a);
      break;
    case O::I32TruncSatF32S:
      x = absl::StrCat("al_i32_trunc_sat_f32_s(", a, ")");
      break;
    case O::I32TruncSatF32U:
      x = absl::StrCat("al_i32_trunc_sat_f32_u(", a, ")");
      break;
    case O::I32TruncSatF64S:
      x = absl::StrCat("al_i32_trunc_sat_f64_s(", a, ")");
      break;
    case O::I32TruncSatF64U:
      x = absl::StrCat("al_i32_trunc_sat_f64_u(", a, ")");
      break;
    case O::I64TruncSatF32S:
      x = absl::StrCat("al_i64_trunc_sat_f32_s(", a, ")");
      break;
    case O::I64TruncSatF32U:
      x = absl::StrCat("al_i64_trunc_sat_f32_u(", a, ")");
      break;
    case O::I64TruncSatF64S:
      x = absl::StrCat("al_i64_trunc_sat_f64_s(", a, ")");
      break;
    case O::I64TruncSatF64U:
      x = absl::StrCat("al_i64_trunc_sat_f64_u(", a, ")");
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported instruction: ", op.GetName()));
  }
  Line(absl::StrCat(Push(op.GetResultType()), " = ", x, ";"));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// The module: header, descriptor, init, units.

std::string CEscapeBytes(const std::vector<uint8_t>& data) {
  std::string s;
  s.reserve(data.size() * 4 + 2);
  s += '{';
  for (size_t i = 0; i < data.size(); ++i) {
    absl::StrAppend(&s, static_cast<int>(data[i]), ",");
    if (i % 32 == 31) s += '\n';
  }
  if (data.empty()) s += '0';
  s += '}';
  return s;
}

std::string CString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "\\%03o", c);
    }
  }
  return out + "\"";
}

std::string GlobalTypeString(const wabt::Global& g) {
  return absl::StrCat(g.mutable_ ? "m" : "",
                      std::string(1, TypeLetter(g.type)));
}

class ModuleWriter {
 public:
  ModuleWriter(const wabt::Module& m, const TranslateOptions& options)
      : options_(options) {
    mm_.m = &m;
    mm_.fuel = options.fuel;
    mm_.huge_function_bytes = options.huge_function_bytes;
  }
  absl::StatusOr<TranslatedModule> Write();

 private:
  std::string InstanceStruct();
  std::string Unit0();
  std::string ThunkFor(const wabt::FuncSignature& sig, int id);
  std::string InvokeFor(Index func, int id);

  const TranslateOptions& options_;
  ModuleModel mm_;
};

std::string ModuleWriter::InstanceStruct() {
  const wabt::Module& m = *mm_.m;
  std::string s = "typedef struct inst_t {\n  airlock_instance_header hdr;\n";
  if (!m.memories.empty()) {
    s += "  airlock_memory* mem0;\n";
    if (!mm_.MemoryIsImport(0)) s += "  airlock_memory mem0_own;\n";
  }
  for (Index i = 0; i < m.tables.size(); ++i) {
    absl::StrAppend(&s, "  airlock_table* t", i, ";\n");
    if (!mm_.TableIsImport(i))
      absl::StrAppend(&s, "  airlock_table t", i, "_own;\n");
  }
  for (Index i = 0; i < m.num_func_imports; ++i) {
    absl::StrAppend(&s, "  airlock_ref fimp", i, ";\n");
  }
  for (Index i = 0; i < m.globals.size(); ++i) {
    const char* ct = CType(m.globals[i]->type);
    if (mm_.GlobalIsImport(i)) {
      absl::StrAppend(&s, "  ", ct, "* g", i, ";\n");
    } else {
      absl::StrAppend(&s, "  ", ct, " g", i, ";\n");
    }
  }
  absl::StrAppend(&s, "  u8 data_dropped[",
                  std::max<size_t>(1, m.data_segments.size()), "];\n");
  for (Index i = 0; i < m.elem_segments.size(); ++i) {
    absl::StrAppend(&s, "  airlock_ref* elem", i, ";\n  u32 elem", i,
                    "_len;\n");
  }
  s += "} inst_t;\n";
  return s;
}

std::string ModuleWriter::ThunkFor(const wabt::FuncSignature& sig, int id) {
  std::string s = absl::StrCat("static ", RetType(sig.result_types),
                               " al_thunk", id, "(void* ctx_");
  for (size_t i = 0; i < sig.param_types.size(); ++i) {
    absl::StrAppend(&s, ", ", CType(sig.param_types[i]), " p", i);
  }
  absl::StrAppend(
      &s, ") {\n  airlock_host_func* h_ = (airlock_host_func*)ctx_;\n",
      "  airlock_value a_[", std::max<size_t>(1, sig.param_types.size()),
      "], r_[", std::max<size_t>(1, sig.result_types.size()), "];\n",
      "  memset(a_, 0, sizeof a_); memset(r_, 0, sizeof r_);\n");
  for (size_t i = 0; i < sig.param_types.size(); ++i) {
    Type t = sig.param_types[i];
    if (t == Type::V128) {
      absl::StrAppend(&s, "  memcpy(a_[", i, "].v128, &p", i, ", 16);\n");
    } else {
      absl::StrAppend(&s, "  a_[", i, "].", ValueMember(t), " = p", i, ";\n");
    }
  }
  absl::StrAppend(&s, "  int t_ = h_->call(h_->ctx, a_, r_);\n",
                  "  if (t_) airlock_rt_trap(t_);\n");
  const wabt::TypeVector& r = sig.result_types;
  auto get = [](Type t, size_t i) {
    if (t == Type::V128) {
      return absl::StrCat("({ simde_v128_t v_; memcpy(&v_, r_[", i,
                          "].v128, 16); v_; })");
    }
    return absl::StrCat("r_[", i, "].", ValueMember(t));
  };
  if (r.size() == 1) {
    absl::StrAppend(&s, "  return ", get(r[0], 0), ";\n");
  } else if (r.size() > 1) {
    absl::StrAppend(&s, "  ", RetType(r), " o_;\n");
    for (size_t i = 0; i < r.size(); ++i) {
      absl::StrAppend(&s, "  o_.v", i, " = ", get(r[i], i), ";\n");
    }
    s += "  return o_;\n";
  }
  s += "}\n";
  return s;
}

std::string ModuleWriter::InvokeFor(Index fi, int id) {
  const wabt::FuncSignature& sig = mm_.Func(fi).decl.sig;
  std::string callee, ctx;
  if (mm_.FuncIsImport(fi)) {
    callee = absl::StrCat("((", FnPtrType(sig), ")inst->fimp", fi, ".fn)");
    ctx = absl::StrCat("inst->fimp", fi, ".ctx");
  } else {
    callee = absl::StrCat("wf", fi);
    ctx = "inst";
  }
  std::string s = absl::StrCat(
      "static void al_invoke", id,
      "(void* ctx_, const airlock_value* a_, airlock_value* r_) {\n"
      "  inst_t* inst = (inst_t*)ctx_; (void)a_; (void)r_;\n");
  std::vector<std::string> args{ctx};
  for (size_t i = 0; i < sig.param_types.size(); ++i) {
    Type t = sig.param_types[i];
    if (t == Type::V128) {
      absl::StrAppend(&s, "  simde_v128_t p", i, "; memcpy(&p", i, ", a_[", i,
                      "].v128, 16);\n");
      args.push_back(absl::StrCat("p", i));
    } else {
      args.push_back(absl::StrCat("a_[", i, "].", ValueMember(t)));
    }
  }
  std::string call = absl::StrCat(callee, "(", absl::StrJoin(args, ", "), ")");
  const wabt::TypeVector& r = sig.result_types;
  auto put = [](Type t, size_t i, const std::string& v) {
    if (t == Type::V128) {
      return absl::StrCat("  { simde_v128_t v_ = ", v, "; memcpy(r_[", i,
                          "].v128, &v_, 16); }\n");
    }
    return absl::StrCat("  r_[", i, "].", ValueMember(t), " = ", v, ";\n");
  };
  if (r.empty()) {
    absl::StrAppend(&s, "  ", call, ";\n");
  } else if (r.size() == 1) {
    absl::StrAppend(&s, put(r[0], 0, call));
  } else {
    absl::StrAppend(&s, "  ", RetType(r), " o_ = ", call, ";\n");
    for (size_t i = 0; i < r.size(); ++i) {
      absl::StrAppend(&s, put(r[i], i, absl::StrCat("o_.v", i)));
    }
  }
  s += "}\n";
  absl::StrAppend(&s, "static airlock_ref al_ref", id, "(void* ctx_) {\n",
                  "  inst_t* inst = (inst_t*)ctx_;\n  return ",
                  FuncRefValue(mm_, &mm_, fi), ";\n}\n");
  return s;
}

std::string ModuleWriter::Unit0() {
  const wabt::Module& m = *mm_.m;
  std::string s = "#include \"module.h\"\n\n";

  // Data segments.
  for (Index i = 0; i < m.data_segments.size(); ++i) {
    const auto& d = m.data_segments[i]->data;
    absl::StrAppend(&s, "const u8 al_data", i, "[] = ", CEscapeBytes(d), ";\n",
                    "const u32 al_data", i, "_len = ", d.size(), ";\n");
  }

  // Thunks for host functions, one per imported signature.
  std::map<std::string, int> thunk_ids;
  for (Index i = 0; i < m.num_func_imports; ++i) {
    const wabt::FuncSignature& sig = mm_.Func(i).decl.sig;
    std::string key = SigString(sig);
    if (thunk_ids.count(key)) continue;
    int id = static_cast<int>(thunk_ids.size());
    thunk_ids[key] = id;
    mm_.NoteResults(sig.result_types);
    s += ThunkFor(sig, id);
  }

  // Exports.
  std::string exports;
  int nexports = 0;
  for (Index ei = 0; ei < m.exports.size(); ++ei) {
    const wabt::Export& ex = *m.exports[ei];
    std::string entry;
    switch (ex.kind) {
      case wabt::ExternalKind::Func: {
        Index fi = m.GetFuncIndex(ex.var);
        s += InvokeFor(fi, ei);
        entry = absl::StrCat("{", CString(ex.name), ", AIRLOCK_EXTERN_FUNC, ",
                             CString(SigString(mm_.Func(fi).decl.sig)),
                             ", 0, 0, al_ref", ei, ", al_invoke", ei);
        break;
      }
      case wabt::ExternalKind::Table: {
        Index ti = m.GetTableIndex(ex.var);
        entry =
            absl::StrCat("{", CString(ex.name), ", AIRLOCK_EXTERN_TABLE, \"",
                         std::string(1, TypeLetter(m.tables[ti]->elem_type)),
                         "\", offsetof(inst_t, t", ti, "), 1, 0, 0");
        break;
      }
      case wabt::ExternalKind::Memory:
        entry = absl::StrCat("{", CString(ex.name),
                             ", AIRLOCK_EXTERN_MEMORY, \"\", offsetof(inst_t, "
                             "mem0), 1, 0, 0");
        break;
      case wabt::ExternalKind::Global: {
        Index gi = m.GetGlobalIndex(ex.var);
        entry = absl::StrCat(
            "{", CString(ex.name), ", AIRLOCK_EXTERN_GLOBAL, \"",
            GlobalTypeString(*m.globals[gi]), "\", offsetof(inst_t, g", gi,
            "), ", mm_.GlobalIsImport(gi) ? 1 : 0, ", 0, 0");
        break;
      }
      default:
        continue;
    }
    absl::StrAppend(&exports, "  ", entry, ", ", ex.name.size(), "u},\n");
    ++nexports;
  }

  // Imports.
  std::string imports;
  Index fi = 0, ti = 0, mi = 0, gi = 0;
  for (const wabt::Import* imp : m.imports) {
    std::string entry;
    switch (imp->kind()) {
      case wabt::ExternalKind::Func: {
        const wabt::FuncSignature& sig = mm_.Func(fi).decl.sig;
        entry = absl::StrCat("AIRLOCK_EXTERN_FUNC, ", CString(SigString(sig)),
                             ", offsetof(inst_t, fimp", fi,
                             "), (void (*)(void))al_thunk",
                             thunk_ids[SigString(sig)], ", 0, 0, 0");
        ++fi;
        break;
      }
      case wabt::ExternalKind::Table: {
        const wabt::Table& t = *m.tables[ti];
        entry = absl::StrCat(
            "AIRLOCK_EXTERN_TABLE, \"", std::string(1, TypeLetter(t.elem_type)),
            "\", offsetof(inst_t, t", ti, "), 0, ", t.elem_limits.initial,
            "u, ", t.elem_limits.has_max ? t.elem_limits.max : 0, "u, ",
            t.elem_limits.has_max ? 1 : 0);
        ++ti;
        break;
      }
      case wabt::ExternalKind::Memory: {
        const wabt::Memory& mem = *m.memories[mi];
        entry = absl::StrCat(
            "AIRLOCK_EXTERN_MEMORY, \"\", offsetof(inst_t, mem0), 0, ",
            mem.page_limits.initial, "u, ",
            mem.page_limits.has_max ? mem.page_limits.max : 0, "u, ",
            mem.page_limits.has_max ? 1 : 0);
        ++mi;
        break;
      }
      case wabt::ExternalKind::Global: {
        entry = absl::StrCat("AIRLOCK_EXTERN_GLOBAL, \"",
                             GlobalTypeString(*m.globals[gi]),
                             "\", offsetof(inst_t, g", gi, "), 0, 0, 0, 0");
        ++gi;
        break;
      }
      default:
        continue;
    }
    absl::StrAppend(&imports, "  {", CString(imp->module_name), ", ",
                    CString(imp->field_name), ", ", entry, "},\n");
  }

  // init: memories, tables, globals, element segments, data segments.
  std::string init =
      "static int al_init(void* ctx_) {\n  inst_t* inst = (inst_t*)ctx_;\n";
  if (!m.memories.empty() && !mm_.MemoryIsImport(0)) {
    const wabt::Memory& mem = *m.memories[0];
    absl::StrAppend(
        &init, "  inst->mem0 = &inst->mem0_own;\n",
        "  if (airlock_rt_memory_init(inst->mem0, inst->hdr.budget, ",
        mem.page_limits.initial, "u, ",
        mem.page_limits.has_max ? mem.page_limits.max : 65536,
        "u)) return -1;\n");
  }
  for (Index i = m.num_table_imports; i < m.tables.size(); ++i) {
    const wabt::Table& t = *m.tables[i];
    absl::StrAppend(
        &init, "  inst->t", i, " = &inst->t", i, "_own;\n",
        "  if (airlock_rt_table_init(inst->t", i, ", inst->hdr.budget, ",
        t.elem_type == Type::FuncRef ? 1 : 0, ", ", t.elem_limits.initial,
        "u, ", t.elem_limits.has_max ? t.elem_limits.max : 0xffffffffu,
        "u)) return -1;\n");
  }
  for (Index i = m.num_global_imports; i < m.globals.size(); ++i) {
    absl::StrAppend(
        &init, "  inst->g", i, " = ",
        ConstExprC(&mm_, m.globals[i]->init_expr, m.globals[i]->type), ";\n");
  }
  for (Index i = 0; i < m.elem_segments.size(); ++i) {
    const wabt::ElemSegment& seg = *m.elem_segments[i];
    size_t n = seg.elem_exprs.size();
    absl::StrAppend(&init, "  inst->elem", i, " = (airlock_ref*)calloc(",
                    std::max<size_t>(1, n),
                    ", sizeof(airlock_ref));\n  if (!inst->elem", i,
                    ") return -1;\n  inst->elem", i, "_len = ", n, ";\n");
    for (size_t k = 0; k < n; ++k) {
      absl::StrAppend(
          &init, "  inst->elem", i, "[", k,
          "] = ", ConstExprC(&mm_, seg.elem_exprs[k], seg.elem_type), ";\n");
    }
  }
  // Active segments apply in order; a failing one traps (Wasm 2.0).
  for (Index i = 0; i < m.elem_segments.size(); ++i) {
    const wabt::ElemSegment& seg = *m.elem_segments[i];
    if (seg.kind == wabt::SegmentKind::Active) {
      Index t = m.GetTableIndex(seg.table_var);
      absl::StrAppend(&init, "  al_table_init(inst->t", t, ", inst->elem", i,
                      ", inst->elem", i, "_len, ",
                      ConstExprC(&mm_, seg.offset, Type::I32),
                      ", 0, inst->elem", i, "_len);\n");
    }
    if (seg.kind != wabt::SegmentKind::Passive) {
      absl::StrAppend(&init, "  inst->elem", i, "_len = 0;\n");
    }
  }
  for (Index i = 0; i < m.data_segments.size(); ++i) {
    const wabt::DataSegment& seg = *m.data_segments[i];
    if (seg.kind == wabt::SegmentKind::Active) {
      absl::StrAppend(&init, "  al_memory_init(inst->mem0, al_data", i,
                      ", al_data", i, "_len, ",
                      ConstExprC(&mm_, seg.offset, Type::I32), ", 0, al_data",
                      i, "_len);\n  inst->data_dropped[", i, "] = 1;\n");
    }
  }
  init += "  return 0;\n}\n";
  s += init;

  std::string destroy =
      "static void al_destroy(void* ctx_) {\n  inst_t* inst = (inst_t*)ctx_;\n";
  if (!m.memories.empty() && !mm_.MemoryIsImport(0)) {
    destroy += "  airlock_rt_memory_free(&inst->mem0_own);\n";
  }
  for (Index i = m.num_table_imports; i < m.tables.size(); ++i) {
    absl::StrAppend(&destroy, "  airlock_rt_table_free(&inst->t", i,
                    "_own);\n");
  }
  for (Index i = 0; i < m.elem_segments.size(); ++i) {
    absl::StrAppend(&destroy, "  free(inst->elem", i, ");\n");
  }
  destroy += "  (void)inst;\n}\n";
  s += destroy;

  std::string start = "0";
  if (!m.starts.empty()) {
    Index sf = m.GetFuncIndex(*m.starts[0]);
    if (mm_.FuncIsImport(sf)) {
      absl::StrAppend(&s,
                      "static void al_start(void* ctx_) {\n  inst_t* inst = "
                      "(inst_t*)ctx_;\n",
                      "  ((void (*)(void*))inst->fimp", sf, ".fn)(inst->fimp",
                      sf, ".ctx);\n}\n");
    } else {
      absl::StrAppend(&s, "static void al_start(void* ctx_) { wf", sf,
                      "(ctx_); }\n");
    }
    start = "al_start";
  }

  absl::StrAppend(&s, "static const airlock_import_desc al_imports[] = {\n",
                  imports, "  {0}\n};\n");
  absl::StrAppend(&s, "static const airlock_export_desc al_exports[] = {\n",
                  exports, "  {0}\n};\n");
  absl::StrAppend(
      &s,
      "__attribute__((visibility(\"default\"))) const airlock_module_desc "
      "airlock_module = {\n  AIRLOCK_ABI_VERSION, ",
      CString(options_.cache_key), ", sizeof(inst_t), ", mm_.fuel ? 1 : 0,
      ",\n  ", m.imports.size(), ", al_imports, ", nexports,
      ", al_exports,\n  al_init, ", start, ", al_destroy\n};\n");
  return s;
}

absl::StatusOr<TranslatedModule> ModuleWriter::Write() {
  const wabt::Module& m = *mm_.m;
  // Function bodies first: they discover signatures and SIMD use.
  std::vector<std::string> bodies;
  std::vector<bool> huge;
  bodies.reserve(m.funcs.size());
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) {
    FunctionWriter w(&mm_, i);
    absl::StatusOr<std::string> body = w.Write();
    if (!body.ok()) return body.status();
    bodies.push_back(std::move(*body));
    huge.push_back(w.huge());
  }
  for (Index i = 0; i < m.funcs.size(); ++i) {
    mm_.NoteResults(m.funcs[i]->decl.sig.result_types);
  }
  for (const wabt::Global* g : m.globals) {
    if (g->type == Type::V128) mm_.uses_simd = true;
  }
  for (Index i = 0; i < m.funcs.size(); ++i) {
    for (Type t : m.funcs[i]->decl.sig.param_types) {
      if (t == Type::V128) mm_.uses_simd = true;
    }
    for (Type t : m.funcs[i]->decl.sig.result_types) {
      if (t == Type::V128) mm_.uses_simd = true;
    }
  }
  std::string unit0 = Unit0();  // may add signatures (ref.func in init)

  // The shared header.
  std::string h =
      "/* Generated by airlock from a WebAssembly module. Do not edit. */\n"
      "#ifndef AIRLOCK_MODULE_H_\n#define AIRLOCK_MODULE_H_\n"
      "#include <stddef.h>\n#include <stdlib.h>\n"
      "#include \"airlock_rt.h\"\n#include \"airlock_ops.h\"\n";
  if (mm_.uses_simd) {
    absl::StrAppend(&h, std::string(translate_internal::SimdPrelude()), "\n");
  } else {
    h += "typedef struct { u64 lo, hi; } simde_v128_t; /* unused: no SIMD */\n"
         "#define simde_wasm_i64x2_splat(x) ((simde_v128_t){0, 0})\n";
  }
  for (const std::string& r : mm_.multi_results) {
    absl::StrAppend(&h, "typedef struct { ");
    for (size_t i = 0; i < r.size(); ++i) {
      const char* ct = "airlock_ref";
      switch (r[i]) {
        case 'i':
          ct = "u32";
          break;
        case 'I':
          ct = "u64";
          break;
        case 'f':
          ct = "f32";
          break;
        case 'F':
          ct = "f64";
          break;
        case 'v':
          ct = "simde_v128_t";
          break;
      }
      absl::StrAppend(&h, ct, " v", i, "; ");
    }
    absl::StrAppend(&h, "} mv_", r, ";\n");
  }
  h += InstanceStruct();
  for (const auto& [sig, id] : mm_.sigs) {
    absl::StrAppend(&h, "extern AL_HIDDEN const char al_sig", id, "[];\n");
  }
  for (Index i = 0; i < m.data_segments.size(); ++i) {
    absl::StrAppend(&h, "extern AL_HIDDEN const u8 al_data", i,
                    "[];\nextern AL_HIDDEN const u32 al_data", i, "_len;\n");
  }
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) {
    const wabt::FuncSignature& sig = m.funcs[i]->decl.sig;
    absl::StrAppend(&h, "AL_HIDDEN ", RetType(sig.result_types), " wf", i,
                    "(void*");
    for (Type t : sig.param_types) absl::StrAppend(&h, ", ", CType(t));
    h += ");\n";
  }
  h += "#endif\n";

  // Signature strings live in unit 0 so pointers are equal module-wide.
  std::string sigdefs;
  for (const auto& [sig, id] : mm_.sigs) {
    absl::StrAppend(&sigdefs, "const char al_sig", id, "[] = ", CString(sig),
                    ";\n");
  }

  TranslatedModule out;
  out.headers.push_back(
      {"airlock_rt.h", std::string(kEmbeddedAirlockRtHeader)});
  out.headers.push_back(
      {"airlock_ops.h", std::string(kEmbeddedAirlockOpsHeader)});
  out.headers.push_back({"module.h", std::move(h)});
  out.units.push_back({"unit0.c", sigdefs + unit0});

  // Split bodies into units of about unit_target_bytes, at most max_units.
  size_t total = 0;
  for (const std::string& b : bodies) total += b.size();
  int units = static_cast<int>(std::clamp<size_t>(
      total / std::max<size_t>(1, options_.unit_target_bytes) + 1, 1,
      std::max(1, options_.max_units)));
  size_t per_unit = total / units + 1;
  std::string cur = "#include \"module.h\"\n\n";
  size_t cur_bytes = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    std::string& b = bodies[i];
    if (huge[i]) {
      out.units.push_back({absl::StrCat("unit", out.units.size(), ".c"),
                           absl::StrCat("#include \"module.h\"\n\n", b),
                           /*huge=*/true});
      continue;
    }
    cur_bytes += b.size();
    cur += b;
    if (cur_bytes >= per_unit) {
      out.units.push_back(
          {absl::StrCat("unit", out.units.size(), ".c"), std::move(cur)});
      cur = "#include \"module.h\"\n\n";
      cur_bytes = 0;
    }
  }
  if (cur_bytes > 0) {
    out.units.push_back(
        {absl::StrCat("unit", out.units.size(), ".c"), std::move(cur)});
  }
  return out;
}

struct TranslateJob {
  std::span<const uint8_t> wasm;
  const TranslateOptions* options;
  absl::StatusOr<TranslatedModule> result = absl::InternalError("not run");
};

void* RunTranslateJob(void* arg) {
  auto* job = static_cast<TranslateJob*>(arg);
  absl::StatusOr<std::unique_ptr<wabt::Module>> module = ReadModule(job->wasm);
  if (!module.ok()) {
    job->result = module.status();
    return nullptr;
  }
  ModuleWriter writer(**module, *job->options);
  job->result = writer.Write();
  return nullptr;
}

}  // namespace

absl::StatusOr<TranslatedModule> TranslateToC(std::span<const uint8_t> wasm,
                                              const TranslateOptions& options) {
  // libwabt's IR destructors (and parts of its reader) recurse on block
  // nesting; run on a thread with a large stack so deeply nested but valid
  // modules translate instead of crashing. The stack is reserved, not
  // committed: only what is touched costs memory.
  TranslateJob job{wasm, &options};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{1} << 30);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, RunTranslateJob, &job);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    RunTranslateJob(&job);
  } else {
    pthread_join(thread, nullptr);
  }
  return std::move(job.result);
}

}  // namespace airlock::sandbox
