"""Admin routes (admin key only): reload the champion model now."""

from fastapi import APIRouter, Request

from serving.api.deps import AdminDep

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/reload")
def reload(request: Request, _admin: AdminDep) -> dict[str, object]:
    store = request.app.state.model_store
    changed = store.reload()
    current = store.current
    return {
        "changed": changed,
        "model_version": current.version if current else None,
        "degraded_reason": store.degraded_reason,
    }
