#include "sandbox/ingest/features.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "wabt/cast.h"
#include "wabt/opcode.h"

namespace airlock::sandbox {

using wabt::Expr;
using wabt::ExprList;
using wabt::ExprType;
using wabt::Index;
using wabt::Opcode;

namespace {
absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace

wabt::Features Wasm2Features() { return wabt::Features(); }

wabt::Features ExtendedFeatures() {
  wabt::Features f;
  f.enable_threads();
  f.enable_memory64();
  f.enable_multi_memory();
  f.enable_exceptions();
  f.enable_tail_call();
  f.enable_extended_const();
  f.enable_relaxed_simd();
  return f;
}

namespace {

FeatureProblem Unsupported(std::string_view feature, std::string_view detail) {
  return {FeatureProblem::Kind::kUnsupported,
          absl::StrCat(AV(feature), " (", AV(detail),
                       "); airlock runs WebAssembly 2.0 modules")};
}

bool IsConstantInstr(const Expr& e) {
  switch (e.type()) {
    case ExprType::Const:
    case ExprType::GlobalGet:
    case ExprType::RefNull:
    case ExprType::RefFunc:
      return true;
    default:
      return false;
  }
}

std::optional<FeatureProblem> CheckConstExpr(const ExprList& list,
                                             std::string_view what) {
  if (list.empty()) {
    // libwabt 1.0.32's validator lets an empty offset through.
    return FeatureProblem{
        FeatureProblem::Kind::kInvalid,
        absl::StrCat("type mismatch: ", AV(what), " is empty")};
  }
  if (list.size() > 1 || !IsConstantInstr(list.front())) {
    return Unsupported(
        "extended-const",
        absl::StrCat(AV(what), " uses a non-constant instruction"));
  }
  return std::nullopt;
}

std::optional<FeatureProblem> CheckExprFeatures(const ExprList& body) {
  std::vector<const ExprList*> todo{&body};  // no recursion on nesting
  while (!todo.empty()) {
    const ExprList* list = todo.back();
    todo.pop_back();
    for (const Expr& e : *list) {
      switch (e.type()) {
        case ExprType::AtomicLoad:
        case ExprType::AtomicStore:
        case ExprType::AtomicRmw:
        case ExprType::AtomicRmwCmpxchg:
        case ExprType::AtomicWait:
        case ExprType::AtomicNotify:
        case ExprType::AtomicFence:
          return Unsupported("threads", "atomic instruction");
        case ExprType::Try:
        case ExprType::Throw:
        case ExprType::Rethrow:
          return Unsupported("exceptions", "exception-handling instruction");
        case ExprType::ReturnCall:
        case ExprType::ReturnCallIndirect:
          return Unsupported("tail-call", "return_call instruction");
        case ExprType::CallRef:
          return Unsupported("function-references", "call_ref instruction");
        case ExprType::Block:
          todo.push_back(&wabt::cast<wabt::BlockExpr>(&e)->block.exprs);
          break;
        case ExprType::Loop:
          todo.push_back(&wabt::cast<wabt::LoopExpr>(&e)->block.exprs);
          break;
        case ExprType::If: {
          auto* ie = wabt::cast<wabt::IfExpr>(&e);
          todo.push_back(&ie->true_.exprs);
          todo.push_back(&ie->false_);
          break;
        }
        case ExprType::Binary:
        case ExprType::Unary:
        case ExprType::Ternary:
        case ExprType::Compare:
        case ExprType::Convert: {
          // Every opcode expression has this layout.
          wabt::Opcode op =
              static_cast<const wabt::OpcodeExpr<ExprType::Binary>*>(&e)
                  ->opcode;
          if (!op.IsEnabled(wabt::Features())) {
            return Unsupported("a post-2.0 proposal", op.GetName());
          }
          break;
        }
        default:
          break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<FeatureProblem> CheckFeatures(const wabt::Module& m) {
  if (!m.tags.empty()) return Unsupported("exceptions", "tag section");
  for (const wabt::TypeEntry* t : m.types) {
    if (t->kind() != wabt::TypeEntryKind::Func) {
      return Unsupported("gc", "struct or array type");
    }
  }
  if (m.memories.size() > 1) {
    return Unsupported("multi-memory",
                       absl::StrCat(m.memories.size(), " memories"));
  }
  for (const wabt::Memory* mem : m.memories) {
    if (mem->page_limits.is_64) return Unsupported("memory64", "64-bit memory");
    if (mem->page_limits.is_shared) {
      return Unsupported("threads", "shared memory");
    }
  }
  for (Index i = m.num_global_imports; i < m.globals.size(); ++i) {
    if (auto p =
            CheckConstExpr(m.globals[i]->init_expr, "a global initializer")) {
      return p;
    }
  }
  for (const wabt::DataSegment* d : m.data_segments) {
    if (d->kind != wabt::SegmentKind::Active) continue;
    if (auto p = CheckConstExpr(d->offset, "a data segment offset")) return p;
  }
  for (const wabt::ElemSegment* e : m.elem_segments) {
    if (e->kind == wabt::SegmentKind::Active) {
      if (auto p = CheckConstExpr(e->offset, "an element segment offset")) {
        return p;
      }
    }
    for (const ExprList& l : e->elem_exprs) {
      if (auto p = CheckConstExpr(l, "an element expression")) return p;
    }
  }
  for (const wabt::Func* f : m.funcs) {
    if (auto p = CheckExprFeatures(f->exprs)) return p;
  }
  return std::nullopt;
}

}  // namespace airlock::sandbox
